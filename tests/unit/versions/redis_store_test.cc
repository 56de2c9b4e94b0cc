// What only the Redis store does: pub/sub announcements, re-subscription after a restart,
// SELECT, its exact key layout, and how it reports bad data and half-done writes.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "proxy/route/version.h"
#include "tests/unit/versions/store_fixture.h"

namespace vcproxy::versions::test {
namespace {

class RedisStoreTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(startServer(ServerKind::kRedis));
  }
  VersionStore* store(std::string name_space = "test", int db = 0) {
    return makeStore(ServerKind::kRedis, server_->port(), std::move(name_space), db);
  }
  // Subscribes `store`, waits until the subscription stands (its first on_change), and returns
  // the counter of later calls.
  std::shared_ptr<int> subscribed(VersionStore* subscriber) {
    auto calls = std::make_shared<int>(0);
    subscriber->subscribe([calls] { ++*calls; });
    EXPECT_TRUE(runUntil([&] { return *calls >= 1; })) << "never subscribed";
    *calls = 0;
    return calls;
  }
};

TEST_F(RedisStoreTest, SubscriberHearsTheOtherSidecarsWrite) {
  VersionStore* a = store();
  VersionStore* b = store();
  auto changes = subscribed(b);
  runFor(100);
  EXPECT_EQ(*changes, 0) << "nothing was announced yet";
  ASSERT_EQ(writeNow(a, {{"bans", {route::newVersion(), "normal"}}}).error, "");
  EXPECT_TRUE(runUntil([&] { return *changes >= 1; }, 2000));
}

TEST_F(RedisStoreTest, AnnouncementNamesTheChangedCachesOnTheDocumentedChannel) {
  RawRedis listener(server_->port());
  ASSERT_TRUE(listener.subscribe("~vc:test:!changes"));
  VersionStore* a = store();
  VersionMap changes{{"bans", {route::newVersion(), "normal"}},
                     {"acl", {route::newVersion(), "bypass"}}};
  ASSERT_EQ(writeNow(a, changes).error, "");
  EXPECT_EQ(listener.nextMessage(2000), "acl,bans");
}

TEST_F(RedisStoreTest, ResubscribesAfterARestartAndSignalsAChange) {
  VersionStore* a = store();
  VersionStore* b = store();
  auto changes = subscribed(b);
  server_->stop();
  ASSERT_TRUE(server_->start()) << server_->why();
  // Announcements made while it was away are lost: re-subscribing itself signals a change.
  EXPECT_TRUE(runUntil([&] { return *changes >= 1; }, 5000)) << "no on_change after restart";
  *changes = 0;
  // And it really listens again: a write (once `a` is back too) is heard.
  FetchResult back = fetchUntilOk(a, {"bans"}, 5000);
  ASSERT_EQ(back.error, "");
  ASSERT_EQ(writeNow(a, {{"bans", {route::newVersion(), "normal"}}}).error, "");
  EXPECT_TRUE(runUntil([&] { return *changes >= 1; }, 2000));
}

TEST_F(RedisStoreTest, KeysAreTheDocumentedHashes) {
  VersionStore* a = store("shop");
  StoredCache bans{route::newVersion(), "bypass"};
  ASSERT_EQ(writeNow(a, {{"bans", bans}}).error, "");
  StoredCache acl = fetchNow(a, {"acl"}).versions["acl"];
  RawRedis raw(server_->port());
  EXPECT_EQ(raw.run({"HGET", "~vc:shop:!versions", "bans"}), bans.version);
  EXPECT_EQ(raw.run({"HGET", "~vc:shop:!modes", "bans"}), "bypass");
  EXPECT_EQ(raw.run({"HGET", "~vc:shop:!versions", "acl"}), acl.version);
  EXPECT_EQ(raw.run({"HGET", "~vc:shop:!modes", "acl"}), "(nil)") << "absent means normal";

  VersionStore* bare = store("");
  StoredCache posts = fetchNow(bare, {"posts"}).versions["posts"];
  EXPECT_EQ(raw.run({"HGET", "~vc::!versions", "posts"}), posts.version);
}

TEST_F(RedisStoreTest, SelectsTheConfiguredDatabase) {
  VersionStore* a = store("test", 3);
  StoredCache bans = fetchNow(a, {"bans"}).versions["bans"];
  ASSERT_TRUE(route::isValidVersion(bans.version));
  EXPECT_EQ(RawRedis(server_->port(), 3).run({"HGET", "~vc:test:!versions", "bans"}),
            bans.version);
  EXPECT_EQ(RawRedis(server_->port(), 0).run({"HGET", "~vc:test:!versions", "bans"}), "(nil)");
}

TEST_F(RedisStoreTest, AnUnusableDatabaseIsAnError) {
  VersionStore* a = store("test", 99999);
  FetchResult fetched = fetchNow(a, {"bans"});
  EXPECT_NE(fetched.error.find("SELECT 99999"), std::string::npos) << fetched.error;
}

TEST_F(RedisStoreTest, AGarbledStoredVersionIsAnErrorNotAKey) {
  RawRedis raw(server_->port());
  raw.run({"HSET", "~vc:test:!versions", "bans", "bad\r\nversion"});
  FetchResult fetched = fetchNow(store(), {"bans"});
  EXPECT_TRUE(fetched.versions.empty());
  EXPECT_NE(fetched.error.find("invalid version"), std::string::npos) << fetched.error;
  EXPECT_NE(fetched.error.find("\"bans\""), std::string::npos) << fetched.error;
}

TEST_F(RedisStoreTest, AHalfDoneWriteSaysWhatWasWritten) {
  RawRedis raw(server_->port());
  raw.run({"SET", "~vc:test:!modes", "not a hash"});
  StoredCache bans{route::newVersion(), "normal"};
  WriteResult written = writeNow(store(), {{"bans", bans}});
  EXPECT_NE(written.error.find("write failed half-way"), std::string::npos)
      << written.error;
  EXPECT_EQ(raw.run({"HGET", "~vc:test:!versions", "bans"}), bans.version);
}

TEST_F(RedisStoreTest, DescribeNamesTheStore) {
  EXPECT_EQ(store("test", 2)->describe(),
            "redis://127.0.0.1:" + std::to_string(server_->port()) + "/2");
}

}  // namespace
}  // namespace vcproxy::versions::test
