// Live operations and faults under load (issue 6): while clients of both protocols set and get
// without pause, the config is reloaded (SIGHUP and POST /reload, valid and invalid) and a cache
// invalidated once a second, or vcproxy gets SIGTERM: every reply must be right and no connection
// may be dropped. Or one backend is killed or frozen: its clients get errors only while it is
// down, never silence, and the other backend's clients see nothing.
// VCPROXY_SOAK_SECONDS sets how long the reload test runs (10 s by default; CI runs 60).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/load_clients.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

constexpr int kClientsPerProtocol = 4;

int soakSeconds() {
  const char* seconds = std::getenv("VCPROXY_SOAK_SECONDS");
  return seconds && std::atoi(seconds) > 0 ? std::atoi(seconds) : 10;
}

bool hasCache(const AdminReply& caches, const std::string& name) {
  for (const auto& cache : caches.json.value("caches", nlohmann::json::array())) {
    if (jsonString(cache, "name") == name) return true;
  }
  return false;
}

// Clients that pipeline `get`s while the memcached backend fails: every get must be answered, by a
// hit, a miss or a SERVER_ERROR naming the backend, and none may wait past the request timeout.
class PipelinedGetters {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kDepth = 16;

  PipelinedGetters(uint16_t port, int clients) {
    for (int i = 0; i < clients; ++i) clients_.push_back(std::make_unique<TextClient>(port));
    for (int i = 0; i < clients; ++i) threads_.emplace_back([this, i] { run(*clients_[i], i); });
  }
  ~PipelinedGetters() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  uint64_t answered = 0, errors = 0;  // read after stop()
  Clock::duration longest_wait{};
  Clock::time_point last_error{};
  std::vector<std::string> unexpected;

 private:
  void run(TextClient& client, int index) {
    const std::string request = "get load:getter" + std::to_string(index) + "\r\n";
    std::string batch;
    for (int i = 0; i < kDepth; ++i) batch += request;
    while (!stopping_) {
      const auto sent = Clock::now();
      if (!client.send(batch)) return note("send failed");
      for (int i = 0; i < kDepth; ++i) {
        const ReadResult line = client.readLine();
        std::lock_guard lock(mutex_);
        longest_wait = std::max(longest_wait, Clock::now() - sent);
        if (line.data.starts_with("SERVER_ERROR backend ")) {
          ++errors;
          last_error = Clock::now();
        } else if (!(line == "END")) {  // the key is never set: a hit would be a mixed-up reply
          unexpected.push_back(line.data + " " + line.error);
          return;
        }
        ++answered;
      }
    }
  }

  void note(const std::string& what) {
    std::lock_guard lock(mutex_);
    unexpected.push_back(what);
  }

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::unique_ptr<TextClient>> clients_;
  std::vector<std::thread> threads_;
};

class UnderLoadTest : public SidecarTest {
 protected:
  void SetUp() override {
    SidecarTest::SetUp();
    if (IsSkipped()) return;
    proxy_ = std::make_unique<ProxyProcess>(binary(), yaml(false), mc_port_);
    ASSERT_TRUE(proxy_->start());
  }

  void TearDown() override {
    if (proxy_) stopAndReport(*proxy_);
    SidecarTest::TearDown();
  }

  // Two listeners, a `load` cache that versions every key the clients use, and an `extra` cache
  // that each reload adds or removes (Misago's Start/StopCacheVersioning).
  std::string yaml(bool extra_cache) const {
    std::string text = "namespace: it\nworkers: 2\nshutdown_grace_ms: " + std::to_string(kGraceMs) +
                       "\nlisteners:\n"
                       "  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:" + std::to_string(mc_port_) +
                       "\n    backends: [" + memcached_.address() + "]\n"
                       "  - name: redis\n    protocol: redis\n    listen: 127.0.0.1:" + std::to_string(redis_port_) +
                       "\n    backends: [" + redis_.address() + "]\n"
                       "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port_) +
                       "\ncaches:\n  - name: load\n    patterns: [\"load:*\"]\n";
    if (extra_cache) text += "  - name: extra\n    patterns: [\"extra:*\"]\n";
    return text;
  }

  // Replaced whole (written aside, then renamed), as a Kubernetes ConfigMap update does.
  void writeConfig(const std::string& text) {
    const std::string aside = proxy_->configPath() + ".new";
    std::ofstream(aside) << text;
    ASSERT_EQ(std::rename(aside.c_str(), proxy_->configPath().c_str()), 0);
  }

  // The memcached backend came `back`: 2 s later, its getters must have seen errors, none later
  // than 1 s after `back` and none after the 1000 ms request timeout; the Redis clients none.
  static void expectErrorsOnlyWhileDown(PipelinedGetters& getters, LoadClients& redis,
                                        std::chrono::steady_clock::time_point back) {
    std::this_thread::sleep_for(2s);
    getters.stop();
    redis.stop();
    EXPECT_TRUE(getters.unexpected.empty()) << getters.unexpected.front();
    EXPECT_GT(getters.errors, 0u) << "the clients never saw the backend down";
    EXPECT_LT(getters.last_error - back, 1s) << "service should be back within 1 s of the backend";
    EXPECT_LT(getters.longest_wait, 3s) << "a reply waited past the 1000 ms request timeout";
    EXPECT_GT(getters.answered, getters.errors) << "no get was served once the backend was back";
    const LoadTally redis_tally = redis.tally();
    EXPECT_EQ(redis_tally.failures, 0u) << redis_tally.describe();
    std::cout << getters.answered << " gets answered, " << getters.errors << " SERVER_ERRORs, longest wait "
              << std::chrono::duration_cast<std::chrono::milliseconds>(getters.longest_wait).count()
              << " ms; redis: " << redis_tally.describe() << "\n";
  }

  static constexpr int kGraceMs = 10000;
  MemcachedServer memcached_;
  RedisServer redis_;
  const uint16_t mc_port_ = freePort();
  const uint16_t redis_port_ = freePort();
  const uint16_t admin_port_ = freePort();
  std::unique_ptr<ProxyProcess> proxy_;
};

TEST_F(UnderLoadTest, ReloadsAndInvalidationsLoseNothing) {
  LoadClients mc(LoadProtocol::memcache, mc_port_, kClientsPerProtocol);
  LoadClients redis(LoadProtocol::redis, redis_port_, kClientsPerProtocol);
  bool extra = false;
  for (int second = 1; second <= soakSeconds(); ++second) {
    std::this_thread::sleep_for(1s);
    extra = !extra;
    ASSERT_NO_FATAL_FAILURE(writeConfig(yaml(extra)));
    if (second % 2) {
      ASSERT_TRUE(proxy_->process()->kill(SIGHUP));
    } else {
      const AdminReply reloaded = adminCall(admin_port_, "POST", "/reload");
      ASSERT_EQ(reloaded.status, 200) << reloaded.describe();
    }
    const AdminReply invalidated = adminCall(admin_port_, "POST", "/caches/load/invalidate");
    ASSERT_EQ(invalidated.status, 200) << invalidated.describe();
    EXPECT_NE(jsonString(invalidated.json, "version"), jsonString(invalidated.json, "previous"));
    if (second % 5 == 0) {  // a broken config is refused and the running one keeps serving
      ASSERT_NO_FATAL_FAILURE(writeConfig(yaml(extra) + "caches: [\n"));
      EXPECT_EQ(adminCall(admin_port_, "POST", "/reload").status, 400);
      ASSERT_NO_FATAL_FAILURE(writeConfig(yaml(extra)));
    }
  }
  // A SIGHUP is applied asynchronously: wait for the last one before asking which caches exist.
  const auto applied = pollUntil(5s, [&] { return hasCache(adminGet(admin_port_, "/caches"), "extra") == extra; }, 20ms);
  EXPECT_TRUE(applied.has_value()) << "the last reload (extra cache " << (extra ? "added" : "removed")
                                   << ") was not applied";
  mc.stop();
  redis.stop();
  const LoadTally mc_tally = mc.tally();
  const LoadTally redis_tally = redis.tally();
  std::cout << "memcache: " << mc_tally.describe() << "\nredis: " << redis_tally.describe() << "\n";
  EXPECT_EQ(mc_tally.failures, 0u) << mc_tally.describe();
  EXPECT_EQ(redis_tally.failures, 0u) << redis_tally.describe();
  EXPECT_GT(mc_tally.requests, 100u * soakSeconds());
  EXPECT_GT(redis_tally.requests, 100u * soakSeconds());
}

TEST_F(UnderLoadTest, SigtermServesEveryAcceptedRequestAndExitsWithinTheGrace) {
  LoadClients mc(LoadProtocol::memcache, mc_port_, kClientsPerProtocol);
  LoadClients redis(LoadProtocol::redis, redis_port_, kClientsPerProtocol);
  std::this_thread::sleep_for(1s);
  const LoadTally before = mc.tally();
  ASSERT_TRUE(proxy_->process()->kill(SIGTERM));
  const auto signalled = std::chrono::steady_clock::now();
  // The application shuts down too, at its own pace: its open connections keep working meanwhile.
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(proxy_->process()->running());
  mc.stop();
  redis.stop();
  const auto status = proxy_->process()->wait(std::chrono::milliseconds(kGraceMs) + 2s);
  ASSERT_TRUE(status.has_value()) << "vcproxy did not exit within its grace period";
  EXPECT_TRUE(status->ok()) << status->describe();
  const auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_LT(took, std::chrono::milliseconds(kGraceMs)) << "it should exit once its last client closed";
  const LoadTally mc_tally = mc.tally();
  const LoadTally redis_tally = redis.tally();
  EXPECT_EQ(mc_tally.failures, 0u) << mc_tally.describe();
  EXPECT_EQ(redis_tally.failures, 0u) << redis_tally.describe();
  EXPECT_GT(mc_tally.requests, before.requests) << "requests on open connections after SIGTERM were served";
  std::cout << "exit " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after SIGTERM; memcache: " << mc_tally.describe() << "\nredis: " << redis_tally.describe() << "\n";
}

TEST_F(UnderLoadTest, KilledBackendCostsErrorsOnlyWhileItIsDown) {
  LoadClients redis(LoadProtocol::redis, redis_port_, 2);
  PipelinedGetters getters(mc_port_, kClientsPerProtocol);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(memcached_.process()->kill(SIGKILL));
  std::this_thread::sleep_for(1s);
  memcached_.restart();
  expectErrorsOnlyWhileDown(getters, redis, std::chrono::steady_clock::now());
}

TEST_F(UnderLoadTest, FrozenBackendTimesOutWhileTheRestStaysResponsive) {
  LoadClients redis(LoadProtocol::redis, redis_port_, 2);
  PipelinedGetters getters(mc_port_, kClientsPerProtocol);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(memcached_.process()->pause());
  std::this_thread::sleep_for(500ms);
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(adminGet(admin_port_, "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 500ms) << "the admin port stalled with the backend";
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE(memcached_.process()->resume());
  expectErrorsOnlyWhileDown(getters, redis, std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace vcproxy::test
