// What only the memcached store does: eviction becomes an invalidation, operations run one at a
// time in order, no notifications, its exact key layout, and keys memcached cannot take.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/route/version.h"
#include "tests/unit/versions/store_fixture.h"

namespace vcproxy::versions::test {
namespace {

class MemcacheStoreTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(startServer(ServerKind::kMemcached));
  }
  VersionStore* store(std::string name_space = "test") {
    return makeStore(ServerKind::kMemcached, server_->port(), std::move(name_space));
  }
};

// An evicted version key must never bring back old data: the next fetch creates a new random
// version, which invalidates the cache, and every sidecar then agrees on it.
TEST_F(MemcacheStoreTest, AnEvictedVersionComesBackAsANewVersion) {
  VersionStore* a = store();
  VersionStore* b = store();
  StoredCache before = fetchNow(a, {"bans"}).versions["bans"];
  ASSERT_TRUE(route::isValidVersion(before.version));
  ASSERT_TRUE(memcacheDelete(server_->port(), "~vc:test:!version:bans"));  // as an eviction

  StoredCache after = fetchNow(a, {"bans"}).versions["bans"];
  EXPECT_TRUE(route::isValidVersion(after.version));
  EXPECT_NE(after.version, before.version);
  EXPECT_EQ(fetchNow(b, {"bans"}).versions["bans"], after);
}

TEST_F(MemcacheStoreTest, KeysAreTheDocumentedOnes) {
  VersionStore* a = store("shop");
  StoredCache bans{route::newVersion(), "bypass"};
  ASSERT_EQ(writeNow(a, {{"bans", bans}}).error, "");
  StoredCache acl = fetchNow(a, {"acl"}).versions["acl"];
  int port = server_->port();
  EXPECT_EQ(memcacheGet(port, "~vc:shop:!version:bans"), bans.version);
  EXPECT_EQ(memcacheGet(port, "~vc:shop:!mode:bans"), "bypass");
  EXPECT_EQ(memcacheGet(port, "~vc:shop:!version:acl"), acl.version);
  EXPECT_EQ(memcacheGet(port, "~vc:shop:!mode:acl"), std::nullopt) << "absent means normal";

  StoredCache posts = fetchNow(store(""), {"posts"}).versions["posts"];
  EXPECT_EQ(memcacheGet(port, "~vc::!version:posts"), posts.version);
}

TEST_F(MemcacheStoreTest, OperationsRunOneAtATimeInOrder) {
  VersionStore* a = store();
  StoredCache written{route::newVersion(), "write-only"};
  std::vector<int> order;
  auto last = std::make_shared<FetchResult>();
  a->fetch({"bans"}, [&](VersionMap, std::string) { order.push_back(1); });
  a->write({{"bans", written}}, [&](std::string) { order.push_back(2); });
  a->fetch({"bans"}, [&, last](VersionMap v, std::string e) {
    order.push_back(3);
    *last = {true, 1, v, e};
  });
  ASSERT_TRUE(runUntil([&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(last->versions["bans"], written);
}

TEST_F(MemcacheStoreTest, SubscribeNeverCallsBackPollingCovers) {
  VersionStore* a = store();
  VersionStore* b = store();
  auto calls = std::make_shared<int>(0);
  b->subscribe([calls] { ++*calls; });
  ASSERT_EQ(writeNow(a, {{"bans", {route::newVersion(), "normal"}}}).error, "");
  runFor(200);
  EXPECT_EQ(*calls, 0);
}

TEST_F(MemcacheStoreTest, CacheNamesThatMakeBadKeysAreErrors) {
  VersionStore* a = store();
  FetchResult spaced = fetchNow(a, {"has space"});
  EXPECT_NE(spaced.error.find("space or control character"), std::string::npos) << spaced.error;
  FetchResult longer = fetchNow(a, {std::string(300, 'x')});
  EXPECT_NE(longer.error.find("longer than 250 bytes"), std::string::npos) << longer.error;
  WriteResult written = writeNow(a, {{"new\nline", {route::newVersion(), "normal"}}});
  EXPECT_NE(written.error, "");
  EXPECT_EQ(fetchNow(a, {"bans"}).error, "") << "the store still works";
}

TEST_F(MemcacheStoreTest, DescribeNamesTheStore) {
  EXPECT_EQ(store()->describe(), "memcache://127.0.0.1:" + std::to_string(server_->port()));
}

}  // namespace
}  // namespace vcproxy::versions::test
