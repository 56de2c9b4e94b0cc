// Two sidecars in front of one memcached share one version store (ARCHITECTURE.md section 3): a
// value written through one is read through the other, and an invalidation made on one sidecar's
// admin port makes the old keys unreachable on both, for good, leaving the other caches alone.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

constexpr int kConnectionsPerProxy = 6;  // with 2 workers each, SO_REUSEPORT spreads them over both
constexpr int kReadsAfter = 100;

std::vector<CacheSpec> twoCaches() { return {{"users", {"user:*"}}, {"acl", {"acl:*"}}}; }

std::vector<std::unique_ptr<TextClient>> connect(uint16_t port) {
  std::vector<std::unique_ptr<TextClient>> clients;
  for (int i = 0; i < kConnectionsPerProxy; ++i) clients.push_back(std::make_unique<TextClient>(port));
  return clients;
}

// The version of `cache` that the store itself holds (the store's documented layout).
using StoreReader = std::function<std::optional<std::string>(const std::string& cache)>;

class SharedStoreTest : public SidecarTest {
 protected:
  // The scenario of both store kinds. `propagation` bounds how long B may keep the old version.
  void invalidationReachesEverySidecar(const std::string& store_url, uint32_t refresh_interval_ms,
                                       std::chrono::milliseconds propagation, const StoreReader& stored);
};

void SharedStoreTest::invalidationReachesEverySidecar(const std::string& store_url, uint32_t refresh_interval_ms,
                                                      std::chrono::milliseconds propagation,
                                                      const StoreReader& stored) {
  MemcachedServer backend;
  SidecarOptions options;
  options.backends = {backend.address()};
  options.caches = twoCaches();
  options.store_url = store_url;
  options.refresh_interval_ms = refresh_interval_ms;
  ProxyProcess* a = startSidecar(options);
  ASSERT_NE(a, nullptr);
  ProxyProcess* b = startSidecar(options);
  ASSERT_NE(b, nullptr);

  // Both sidecars agree with the store on every version.
  const std::string old_version = cacheVersion(a->adminPort(), "users");
  ASSERT_TRUE(isVersion(old_version)) << adminGet(a->adminPort(), "/caches/users").describe();
  EXPECT_EQ(cacheVersion(b->adminPort(), "users"), old_version);
  EXPECT_EQ(stored("users"), old_version);
  const std::string acl_version = cacheVersion(a->adminPort(), "acl");
  EXPECT_EQ(cacheVersion(b->adminPort(), "acl"), acl_version);

  auto on_a = connect(a->port());
  auto on_b = connect(b->port());
  ASSERT_EQ(mcSet(*on_a[0], "user:1", "old-value"), "STORED");
  ASSERT_EQ(mcSet(*on_a[0], "acl:1", "acl-value"), "STORED");
  for (auto& client : on_b) {
    const GetResult read = mcGet(*client, "user:1");
    EXPECT_TRUE(read.hit && read.value == "old-value") << "B must read A's write: " << read.error;
  }
  const KeyDump before = dumpMemcachedKeys(backend.port());
  ASSERT_TRUE(before.ok()) << before.error;
  bool found = false;
  for (const auto& key : before.keys) found = found || key == "~vc:it:users:" + old_version + ":user:1";
  EXPECT_TRUE(found) << "the backend holds ~vc:it:users:" << old_version << ":user:1";

  const AdminReply invalidated = adminCall(a->adminPort(), "POST", "/caches/users/invalidate");
  ASSERT_EQ(invalidated.status, 200) << invalidated.describe();
  EXPECT_EQ(invalidated.content_type.substr(0, 16), "application/json");
  EXPECT_EQ(jsonString(invalidated.json, "name"), "users") << invalidated.body;
  EXPECT_EQ(jsonString(invalidated.json, "previous"), old_version) << invalidated.body;
  const std::string new_version = jsonString(invalidated.json, "version");
  EXPECT_TRUE(isVersion(new_version)) << invalidated.body;
  EXPECT_NE(new_version, old_version);

  // A answered only once its own workers use the new version: a miss at once, on every connection.
  for (auto& client : on_a) {
    const GetResult read = mcGet(*client, "user:1");
    EXPECT_TRUE(read.miss()) << "A served " << (read.hit ? "the old value" : read.error)
                             << " right after answering the invalidation";
  }
  // B follows within the propagation bound, on every connection (every worker).
  for (auto& client : on_b) {
    const auto took = pollUntil(propagation, [&] { return mcGet(*client, "user:1").miss(); });
    EXPECT_TRUE(took) << "B still serves the old value " << propagation.count() << " ms after the invalidation";
  }
  // Never again, on either sidecar.
  int old_served = 0;
  for (int i = 0; i < kReadsAfter; ++i) {
    auto& clients = i % 2 ? on_b : on_a;
    const GetResult read = mcGet(*clients[(i / 2) % kConnectionsPerProxy], "user:1");
    EXPECT_TRUE(read.error.empty()) << read.error;
    old_served += read.hit ? 1 : 0;
  }
  EXPECT_EQ(old_served, 0) << "reads of " << kReadsAfter << " that served the invalidated value";

  // The other cache keeps its version and its keys.
  for (auto* clients : {&on_a, &on_b}) {
    const GetResult read = mcGet(*(*clients)[1], "acl:1");
    EXPECT_TRUE(read.hit && read.value == "acl-value") << "acl:1 must survive: " << read.error;
  }
  EXPECT_EQ(cacheVersion(a->adminPort(), "acl"), acl_version);
  EXPECT_EQ(cacheVersion(b->adminPort(), "acl"), acl_version);

  // B's admin API, and the store, show the new version.
  const AdminReply on_b_admin = adminGet(b->adminPort(), "/caches/users");
  EXPECT_EQ(on_b_admin.status, 200) << on_b_admin.describe();
  EXPECT_EQ(jsonString(on_b_admin.json, "version"), new_version) << on_b_admin.body;
  EXPECT_EQ(stored("users"), new_version);

  // Both write and read the new version: a value written through B is read through A.
  ASSERT_EQ(mcSet(*on_b[0], "user:1", "new-value"), "STORED");
  const GetResult fresh = mcGet(*on_a[2], "user:1");
  EXPECT_TRUE(fresh.hit && fresh.value == "new-value") << fresh.error;
}

TEST_F(SharedStoreTest, RedisStoreInvalidationReachesEverySidecar) {
  RedisServer store;
  const StoreReader stored = [&](const std::string& cache) {
    return redisHget(store.port(), "~vc:it:!versions", cache);
  };
  invalidationReachesEverySidecar("redis://" + store.address() + "/0", 0, 1000ms, stored);
}

TEST_F(SharedStoreTest, MemcachedStoreInvalidationReachesEverySidecar) {
  MemcachedServer store;  // separate from the backend
  constexpr uint32_t kRefreshMs = 200;
  const StoreReader stored = [&](const std::string& cache) {
    return memcachedGet(store.port(), "~vc:it:!version:" + cache);
  };
  invalidationReachesEverySidecar("memcache://" + store.address(), kRefreshMs, std::chrono::milliseconds(kRefreshMs + 500),
                                  stored);
}

// Several caches at once and every cache: one answer listing each change, on every sidecar.
TEST_F(SharedStoreTest, InvalidateSeveralAndAllReachEverySidecar) {
  MemcachedServer backend;
  RedisServer store;
  SidecarOptions options;
  options.backends = {backend.address()};
  options.caches = {{"users", {"user:*"}}, {"acl", {"acl:*"}}, {"bans", {"ban:*"}}};
  options.store_url = "redis://" + store.address() + "/0";
  ProxyProcess* a = startSidecar(options);
  ASSERT_NE(a, nullptr);
  ProxyProcess* b = startSidecar(options);
  ASSERT_NE(b, nullptr);
  const std::string bans_before = cacheVersion(a->adminPort(), "bans");

  const AdminReply several = adminCall(a->adminPort(), "POST", "/invalidate", R"({"caches":["users","acl"]})");
  ASSERT_EQ(several.status, 200) << several.describe();
  ASSERT_TRUE(several.json.contains("caches") && several.json["caches"].is_array()) << several.body;
  ASSERT_EQ(several.json["caches"].size(), 2u) << several.body;
  for (const auto& change : several.json["caches"]) {
    const std::string name = jsonString(change, "name");
    const std::string version = jsonString(change, "version");
    EXPECT_TRUE(name == "users" || name == "acl") << several.body;
    EXPECT_NE(version, jsonString(change, "previous"));
    EXPECT_TRUE(pollUntil(1000ms, [&] { return cacheVersion(b->adminPort(), name) == version; }, 5ms))
        << "B did not take " << name << "=" << version;
  }
  EXPECT_EQ(cacheVersion(b->adminPort(), "bans"), bans_before) << "bans was not named";

  const AdminReply all = adminCall(b->adminPort(), "POST", "/invalidate-all");
  ASSERT_EQ(all.status, 200) << all.describe();
  ASSERT_TRUE(all.json.contains("caches") && all.json["caches"].is_array()) << all.body;
  EXPECT_EQ(all.json["caches"].size(), 3u) << all.body;
  for (const auto& change : all.json["caches"]) {
    const std::string name = jsonString(change, "name");
    const std::string version = jsonString(change, "version");
    EXPECT_TRUE(isVersion(version)) << all.body;
    EXPECT_TRUE(pollUntil(1000ms, [&] { return cacheVersion(a->adminPort(), name) == version; }, 5ms))
        << "A did not take " << name << "=" << version;
    EXPECT_EQ(redisHget(store.port(), "~vc:it:!versions", name), version);
  }
}

}  // namespace
}  // namespace vcproxy::test
