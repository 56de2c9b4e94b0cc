// Several vcproxy sidecars sharing one version store (ARCHITECTURE.md sections 3 and 5): the
// YAML with `version_store:` and `admin:`, a fixture that owns the proxies, and small clients of
// the data path (memcached text) and of the stores themselves (Redis hash, memcached key).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {

struct SidecarOptions {
  std::string name_space = "it";
  int workers = 2;
  std::vector<std::string> backends;  // "127.0.0.1:PORT"
  std::vector<CacheSpec> caches;
  std::string store_url;              // empty: no version_store section (the backend is the store)
  uint32_t refresh_interval_ms = 0;   // 0: not written (vcproxy's default)
  uint32_t max_staleness_ms = 0;      // 0: not written
  std::string token_file;             // empty: no admin token
};

// toYaml() plus the `version_store:` section and an `admin:` section on `admin_port`.
std::string sidecarYaml(const SidecarOptions& options, uint16_t listen_port, uint16_t admin_port);

// Runs only with a vcproxy binary (not in VCPROXY_TEST_DIRECT mode: everything here is the proxy's).
// TearDown stops every proxy (each must exit 0 on SIGTERM) and prints their logs if the test failed.
class SidecarTest : public testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts one sidecar (listener "mc") and waits for /readyz 200; nullptr after an ADD_FAILURE
  // with its logs. Use as ASSERT_NE(proxy, nullptr).
  ProxyProcess* startSidecar(const SidecarOptions& options);

  static std::string binary();

 private:
  std::vector<std::unique_ptr<ProxyProcess>> proxies_;
};

// One memcached text `get` of one key: hit (with its value), miss (END), or a failure.
struct GetResult {
  bool hit = false;
  std::string value;
  std::string error;  // non-empty: the reply was not a well-formed hit or miss

  bool miss() const { return error.empty() && !hit; }
};
GetResult mcGet(TextClient& client, const std::string& key);
// `set key 0 0 len` with `value`; the reply line ("STORED" on success).
ReadResult mcSet(TextClient& client, const std::string& key, const std::string& value);

// HGET on a Redis server (RESP over a plain socket); nullopt when the field is absent.
std::optional<std::string> redisHget(uint16_t port, const std::string& key, const std::string& field);
// A `get` straight on a memcached server; nullopt on a miss.
std::optional<std::string> memcachedGet(uint16_t port, const std::string& key);

// Calls `done` until it returns true or `limit` passes, `pause` apart (0: back to back, for a
// measurement); returns the time it took, nullopt on timeout.
std::optional<std::chrono::microseconds> pollUntil(std::chrono::milliseconds limit, const std::function<bool()>& done,
                                                   std::chrono::milliseconds pause = std::chrono::milliseconds(0));

double toMs(std::chrono::microseconds elapsed);

}  // namespace vcproxy::test
