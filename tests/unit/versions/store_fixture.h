// Test fixture for the version stores: a libuv loop run in bounded steps, stores that are
// always closed and released, real servers, and raw clients to look behind a store's back.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/versions/version_store.h"
#include "tests/unit/versions/test_server.h"

struct redisContext;

namespace vcproxy::versions::test {

inline constexpr int kTimeoutMs = 300;       // the stores' per-operation timeout in tests
inline constexpr int kSlackMs = 1500;        // scheduling slack on a loaded (ASan) machine
inline constexpr int kAnswerWaitMs = 5000;   // how long a test waits for any one answer

struct FetchResult {
  bool answered = false;
  int calls = 0;
  VersionMap versions;
  std::string error;
};

struct WriteResult {
  bool answered = false;
  int calls = 0;
  std::string error;
};

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // closes every store, then expects the loop to close cleanly

  // Runs the loop until `done()` or `timeout_ms` passed; returns done().
  bool runUntil(const std::function<bool()>& done, int timeout_ms = kAnswerWaitMs);
  void runFor(int ms);
  uv_loop_t* loop() { return &loop_; }

  TestServer& startServer(ServerKind kind);  // ASSERTs inside: call via ASSERT_NO_FATAL_FAILURE
  VersionStore* makeStore(ServerKind kind, int port, std::string name_space = "test",
                          int db = 0);

  FetchResult fetchNow(VersionStore* store, const std::vector<std::string>& names);
  WriteResult writeNow(VersionStore* store, const VersionMap& changes);
  // Fetches until it succeeds or `timeout_ms` passed (a store coming back by itself).
  FetchResult fetchUntilOk(VersionStore* store, const std::vector<std::string>& names,
                           int timeout_ms);
  bool closeStore(VersionStore* store);  // true once its done ran, exactly once

  static int64_t millisSince(std::chrono::steady_clock::time_point start);

  std::unique_ptr<TestServer> server_;

 private:
  struct Owned {
    std::unique_ptr<VersionStore> store;
    bool closed = false;
  };
  Owned* find(VersionStore* store);

  uv_loop_t loop_;
  uv_timer_t tick_;  // keeps UV_RUN_ONCE from blocking past our deadline
  std::vector<Owned> stores_;
};

// Blocking clients for checks behind a store's back (test thread only).
class RawRedis {
 public:
  explicit RawRedis(int port, int db = 0);
  ~RawRedis();
  // The reply as text: a string, an integer, "(nil)", "(error) ...", or "(no connection)".
  std::string run(const std::vector<std::string>& args);
  // SUBSCRIBEs on this connection, then waits up to `timeout_ms` for one message payload.
  bool subscribe(const std::string& channel);
  std::optional<std::string> nextMessage(int timeout_ms);

 private:
  redisContext* context_ = nullptr;
};

std::optional<std::string> memcacheGet(int port, const std::string& key);
bool memcacheDelete(int port, const std::string& key);

}  // namespace vcproxy::versions::test
