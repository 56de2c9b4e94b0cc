// When the shared version store goes away (ARCHITECTURE.md section 3, version_manager.h):
// invalidations are refused with 503 and change nothing; the data path keeps the last versions
// for max_staleness_ms, then bypasses every versioned key (reads miss, writes are answered but
// not stored) and /readyz says why; once the store is back, service resumes by itself.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kRefreshMs = 100;
constexpr uint32_t kMaxStalenessMs = 1000;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool backendHolds(uint16_t port, const std::string& original_key) {
  const KeyDump dump = dumpMemcachedKeys(port);
  EXPECT_TRUE(dump.ok()) << dump.error;
  for (const auto& key : dump.keys) {
    const auto parsed = parseVersionedKey(key);
    if (key == original_key || (parsed && parsed->original == original_key)) return true;
  }
  return false;
}

class StoreFailureTest : public SidecarTest {
 protected:
  ProxyProcess* startOne(MemcachedServer& backend, RedisServer& store) {
    SidecarOptions options;
    options.backends = {backend.address()};
    options.caches = {{"x", {"x:*"}}};
    options.store_url = "redis://" + store.address() + "/0";
    options.refresh_interval_ms = kRefreshMs;
    options.max_staleness_ms = kMaxStalenessMs;
    return startSidecar(options);
  }
};

TEST_F(StoreFailureTest, StoppedStoreRefusesInvalidationThenBypassesThenRecovers) {
  MemcachedServer backend;
  RedisServer store;
  ProxyProcess* proxy = startOne(backend, store);
  ASSERT_NE(proxy, nullptr);
  TextClient client(proxy->port());
  ASSERT_EQ(mcSet(client, "x:1", "before"), "STORED");
  ASSERT_EQ(mcSet(client, "plain", "raw"), "STORED");  // matches no cache
  const std::string version = cacheVersion(proxy->adminPort(), "x");
  ASSERT_TRUE(isVersion(version));

  store.stop();
  const auto stopped = Clock::now();

  // Within max_staleness_ms the last versions keep serving.
  const GetResult early = mcGet(client, "x:1");
  const double early_ms = msSince(stopped);
  EXPECT_TRUE(early.hit && early.value == "before")
      << "x:1 must still be served " << early_ms << " ms after the store stopped: " << early.error;

  // An invalidation cannot be written: 503 with an error, and nothing changed.
  const AdminReply refused = adminCall(proxy->adminPort(), "POST", "/caches/x/invalidate");
  const double refused_ms = msSince(stopped);
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_FALSE(jsonString(refused.json, "error").empty()) << refused.describe();
  EXPECT_EQ(cacheVersion(proxy->adminPort(), "x"), version) << "a refused invalidation changed the version";
  if (refused_ms < kMaxStalenessMs / 2) {
    const GetResult after_refusal = mcGet(client, "x:1");
    EXPECT_TRUE(after_refusal.hit) << "x:1 must still be served after a refused invalidation, " << msSince(stopped)
                                   << " ms after the store stopped: " << after_refusal.error;
  }

  // Then every versioned read misses, from some time after max_staleness_ms...
  const auto bypassed = pollUntil(3000ms, [&] { return mcGet(client, "x:1").miss(); });
  ASSERT_TRUE(bypassed) << "x:1 still served 3 s after the store stopped (max_staleness_ms " << kMaxStalenessMs << ")";
  const double bypass_ms = msSince(stopped);
  std::cout << "store stopped: x:1 still served at " << early_ms << " ms, invalidation refused at " << refused_ms
            << " ms, versioned keys bypassed from " << bypass_ms << " ms (max_staleness_ms " << kMaxStalenessMs
            << ", refresh_interval_ms " << kRefreshMs << ")" << std::endl;
  EXPECT_GE(bypass_ms, kMaxStalenessMs - 3.0 * kRefreshMs) << "bypassed long before max_staleness_ms";

  // ...versioned writes are answered but not stored, unversioned keys pass as ever...
  EXPECT_EQ(mcSet(client, "x:during", "lost"), "STORED");
  EXPECT_TRUE(mcGet(client, "x:during").miss());
  EXPECT_FALSE(backendHolds(backend.port(), "x:during")) << "a write during the bypass reached the backend";
  const GetResult plain = mcGet(client, "plain");
  EXPECT_TRUE(plain.hit && plain.value == "raw") << "unversioned keys do not depend on the store: " << plain.error;

  // ...and /readyz says why.
  const AdminReply not_ready = adminGet(proxy->adminPort(), "/readyz");
  EXPECT_EQ(not_ready.status, 503) << not_ready.describe();
  EXPECT_FALSE(jsonString(not_ready.json, "error").empty()) << not_ready.describe();
  EXPECT_TRUE(not_ready.json.contains("reasons") && !not_ready.json["reasons"].empty()) << not_ready.describe();
  EXPECT_EQ(adminGet(proxy->adminPort(), "/healthz").status, 200) << "alive, only not ready";

  // The store comes back (empty: no persistence): ready again, without restarting vcproxy.
  store.restart();
  const auto ready = pollUntil(5000ms, [&] { return adminGet(proxy->adminPort(), "/readyz").status == 200; }, 10ms);
  ASSERT_TRUE(ready) << "not ready 5 s after the store came back: " << adminGet(proxy->adminPort(), "/readyz").describe();
  std::cout << "store restarted: ready again after " << toMs(*ready) << " ms" << std::endl;
  const std::string now_version = cacheVersion(proxy->adminPort(), "x");
  EXPECT_TRUE(isVersion(now_version));
  EXPECT_EQ(redisHget(store.port(), "~vc:it:!versions", "x"), now_version) << "the sidecar agrees with the store";

  // The data path serves versioned keys again.
  const auto serving = pollUntil(2000ms, [&] {
    return mcSet(client, "x:after", "again") == "STORED" && mcGet(client, "x:after").hit;
  }, 10ms);
  EXPECT_TRUE(serving) << "versioned writes and reads do not work again after the store came back";
  EXPECT_TRUE(backendHolds(backend.port(), "x:after"));
  if (now_version != version) {
    EXPECT_TRUE(mcGet(client, "x:1").miss()) << "new version in the store, yet the old key is served";
  }
}

// A frozen store (SIGSTOP) must not hang the admin API: the invalidation fails within the store's
// timeout; after SIGCONT the versions are the store's and the data path serves them.
TEST_F(StoreFailureTest, FrozenStoreFailsInvalidationFastAndRecovers) {
  MemcachedServer backend;
  RedisServer store;
  ProxyProcess* proxy = startOne(backend, store);
  ASSERT_NE(proxy, nullptr);
  TextClient client(proxy->port());
  ASSERT_EQ(mcSet(client, "x:1", "before"), "STORED");
  const std::string version = cacheVersion(proxy->adminPort(), "x");

  ASSERT_TRUE(store.process()->pause());
  const auto frozen = Clock::now();
  const AdminReply refused = adminCall(proxy->adminPort(), "POST", "/caches/x/invalidate", "", "", 10000);
  const double refused_ms = msSince(frozen);
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_LT(refused_ms, 2000.0) << "the invalidation waited on a frozen store";
  EXPECT_EQ(cacheVersion(proxy->adminPort(), "x"), version);

  const auto bypassed = pollUntil(3000ms, [&] { return mcGet(client, "x:1").miss(); });
  EXPECT_TRUE(bypassed) << "x:1 still served 3 s after the store froze";
  EXPECT_EQ(adminGet(proxy->adminPort(), "/readyz").status, 503);

  ASSERT_TRUE(store.process()->resume());
  const auto ready = pollUntil(5000ms, [&] { return adminGet(proxy->adminPort(), "/readyz").status == 200; }, 10ms);
  ASSERT_TRUE(ready) << "not ready 5 s after the store resumed: " << adminGet(proxy->adminPort(), "/readyz").describe();
  // The refused invalidation's write may still have reached the store when it thawed; whatever the
  // store holds now, this sidecar must use it (no stale local version).
  const auto agreed = pollUntil(2000ms, [&] {
    return redisHget(store.port(), "~vc:it:!versions", "x") == cacheVersion(proxy->adminPort(), "x");
  }, 10ms);
  EXPECT_TRUE(agreed) << "sidecar " << cacheVersion(proxy->adminPort(), "x") << " vs store "
                      << redisHget(store.port(), "~vc:it:!versions", "x").value_or("(none)");
  const std::string after = cacheVersion(proxy->adminPort(), "x");
  std::cout << "frozen store: invalidation refused after " << refused_ms << " ms (" << refused.body
            << "); version before " << version
            << ", after SIGCONT " << after << (after == version ? " (unchanged)" : " (the refused write landed)")
            << std::endl;
  if (after != version) {
    EXPECT_NE(jsonString(refused.json, "error").find("may"), std::string::npos)
        << "the refused invalidation was written after all, and its 503 did not say it might be: " << refused.body;
  }
  const GetResult read = mcGet(client, "x:1");
  if (after == version) {
    EXPECT_TRUE(read.hit && read.value == "before") << "same version, the key must be served again: " << read.error;
  } else {
    EXPECT_TRUE(read.miss()) << read.error;
  }
  const AdminReply accepted = adminCall(proxy->adminPort(), "POST", "/caches/x/invalidate");
  EXPECT_EQ(accepted.status, 200) << accepted.describe();
}

}  // namespace
}  // namespace vcproxy::test
