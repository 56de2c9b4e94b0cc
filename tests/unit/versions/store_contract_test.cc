// What every version store promises (version_store.h), checked against real servers for both
// the Redis and the memcached store. Two stores on one server stand for two sidecars.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "proxy/route/version.h"
#include "tests/unit/versions/store_fixture.h"

namespace vcproxy::versions::test {
namespace {

using Clock = std::chrono::steady_clock;

class StoreContractTest : public StoreFixture, public ::testing::WithParamInterface<ServerKind> {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(startServer(GetParam()));
  }
  VersionStore* store(std::string name_space = "test") {
    return makeStore(GetParam(), server_->port(), std::move(name_space));
  }
  std::string label() const {
    return std::string(GetParam() == ServerKind::kRedis ? "redis" : "memcache") +
           " 127.0.0.1:" + std::to_string(server_->port());
  }
};

TEST_P(StoreContractTest, FetchCreatesVersionsOnceAndSidecarsAgree) {
  VersionStore* a = store();
  VersionStore* b = store();
  FetchResult first = fetchNow(a, {"bans", "acl"});
  ASSERT_EQ(first.error, "");
  ASSERT_EQ(first.versions.size(), 2u);
  for (const auto& [name, cache] : first.versions) {
    EXPECT_TRUE(route::isValidVersion(cache.version)) << name << ": " << cache.version;
    EXPECT_EQ(cache.mode, "normal") << name;
  }
  EXPECT_NE(first.versions["bans"].version, first.versions["acl"].version);

  FetchResult again = fetchNow(a, {"bans", "acl"});
  EXPECT_EQ(again.versions, first.versions) << "a second fetch must not create new versions";

  FetchResult other = fetchNow(b, {"bans", "acl", "posts"});
  ASSERT_EQ(other.error, "");
  EXPECT_EQ(other.versions["bans"], first.versions["bans"]);
  EXPECT_EQ(other.versions["acl"], first.versions["acl"]);
  ASSERT_TRUE(route::isValidVersion(other.versions["posts"].version));
  EXPECT_EQ(fetchNow(a, {"posts"}).versions["posts"], other.versions["posts"]);
}

TEST_P(StoreContractTest, SimultaneousFirstFetchesAgree) {
  VersionStore* a = store();
  VersionStore* b = store();
  for (int round = 0; round < 5; ++round) {
    std::string name = "race" + std::to_string(round);
    auto ra = std::make_shared<FetchResult>();
    auto rb = std::make_shared<FetchResult>();
    // Both miss, both create: the store's add/HSETNX lets exactly one win.
    a->fetch({name}, [ra](VersionMap v, std::string e) { *ra = {true, ra->calls + 1, v, e}; });
    b->fetch({name}, [rb](VersionMap v, std::string e) { *rb = {true, rb->calls + 1, v, e}; });
    ASSERT_TRUE(runUntil([&] { return ra->answered && rb->answered; }));
    ASSERT_EQ(ra->error, "");
    ASSERT_EQ(rb->error, "");
    EXPECT_EQ(ra->versions[name], rb->versions[name]) << name;
  }
}

TEST_P(StoreContractTest, WriteIsSeenByTheOtherSidecar) {
  VersionStore* a = store();
  VersionStore* b = store();
  StoredCache before = fetchNow(a, {"bans"}).versions["bans"];
  StoredCache after{route::newVersion(), "normal"};
  ASSERT_NE(after.version, before.version);
  ASSERT_EQ(writeNow(b, {{"bans", after}}).error, "");
  EXPECT_EQ(fetchNow(a, {"bans"}).versions["bans"], after);
}

TEST_P(StoreContractTest, ModesRoundTrip) {
  VersionStore* a = store();
  VersionStore* b = store();
  VersionMap changes{{"bans", {route::newVersion(), "bypass"}},
                     {"acl", {route::newVersion(), "write-only"}}};
  ASSERT_EQ(writeNow(a, changes).error, "");
  FetchResult read = fetchNow(b, {"bans", "acl"});
  ASSERT_EQ(read.error, "");
  EXPECT_EQ(read.versions, changes);

  StoredCache normal{changes["bans"].version, "normal"};
  ASSERT_EQ(writeNow(a, {{"bans", normal}}).error, "");
  EXPECT_EQ(fetchNow(b, {"bans"}).versions["bans"], normal);
}

// An invalidation writes only a version and a mode change only a mode: neither may write back
// the other field, which another sidecar may just have changed.
TEST_P(StoreContractTest, AnEmptyFieldLeavesTheStoredValueAlone) {
  VersionStore* a = store();
  VersionStore* b = store();
  const std::string first = route::newVersion();
  ASSERT_EQ(writeNow(a, {{"bans", {first, "bypass"}}}).error, "");
  ASSERT_EQ(writeNow(b, {{"bans", {"", "write-only"}}}).error, "");
  EXPECT_EQ(fetchNow(a, {"bans"}).versions["bans"], (StoredCache{first, "write-only"}));
  const std::string second = route::newVersion();
  ASSERT_EQ(writeNow(b, {{"bans", {second, ""}}}).error, "");
  EXPECT_EQ(fetchNow(a, {"bans"}).versions["bans"], (StoredCache{second, "write-only"}));
  EXPECT_NE(writeNow(a, {{"bans", {"", ""}}}).error, "");
}

TEST_P(StoreContractTest, InvalidWritesAreRefusedAndChangeNothing) {
  VersionStore* a = store();
  VersionMap before = fetchNow(a, {"bans"}).versions;
  WriteResult short_version = writeNow(a, {{"bans", {"short", "normal"}}});
  EXPECT_NE(short_version.error.find("invalid version \"short\""), std::string::npos)
      << short_version.error;
  WriteResult bad_mode = writeNow(a, {{"bans", {route::newVersion(), "sideways"}}});
  EXPECT_NE(bad_mode.error.find("invalid mode \"sideways\""), std::string::npos) << bad_mode.error;
  WriteResult injection = writeNow(a, {{"bans", {"abc\r\nde", "normal"}}});
  EXPECT_NE(injection.error, "");
  EXPECT_EQ(fetchNow(a, {"bans"}).versions, before);
}

TEST_P(StoreContractTest, EmptyRequestsSucceed) {
  VersionStore* a = store();
  FetchResult none = fetchNow(a, {});
  EXPECT_EQ(none.error, "");
  EXPECT_TRUE(none.versions.empty());
  EXPECT_EQ(writeNow(a, {}).error, "");
}

TEST_P(StoreContractTest, NamespacesDoNotMix) {
  VersionStore* one = store("one");
  VersionStore* two = store("two");
  StoredCache in_one = fetchNow(one, {"bans"}).versions["bans"];
  StoredCache in_two = fetchNow(two, {"bans"}).versions["bans"];
  EXPECT_NE(in_one.version, in_two.version);
  ASSERT_EQ(writeNow(one, {{"bans", {route::newVersion(), "bypass"}}}).error, "");
  EXPECT_EQ(fetchNow(two, {"bans"}).versions["bans"], in_two);
}

TEST_P(StoreContractTest, UnreachableStoreAnswersAnErrorWithinTheTimeout) {
  server_->stop();  // nobody listens on the port any more
  VersionStore* a = store();
  auto start = Clock::now();
  FetchResult fetched = fetchNow(a, {"bans"});
  EXPECT_LT(millisSince(start), kTimeoutMs + kSlackMs);
  EXPECT_TRUE(fetched.versions.empty());
  EXPECT_EQ(fetched.error.rfind(label() + ": ", 0), 0u) << fetched.error;
  // hiredis names the errno; libmemcached keeps it to itself.
  const char* why = GetParam() == ServerKind::kRedis ? "Connection refused" : "cannot connect";
  EXPECT_NE(fetched.error.find(why), std::string::npos) << fetched.error;

  start = Clock::now();
  WriteResult written = writeNow(a, {{"bans", {route::newVersion(), "normal"}}});
  EXPECT_LT(millisSince(start), kTimeoutMs + kSlackMs);
  EXPECT_EQ(written.error.rfind(label() + ": ", 0), 0u) << written.error;
}

TEST_P(StoreContractTest, StoppedServerFailsThenRecoversByItself) {
  VersionStore* a = store();
  StoredCache before = fetchNow(a, {"bans"}).versions["bans"];
  ASSERT_TRUE(route::isValidVersion(before.version));

  server_->stop();
  auto start = Clock::now();
  EXPECT_NE(fetchNow(a, {"bans"}).error, "");
  EXPECT_NE(writeNow(a, {{"bans", {route::newVersion(), "normal"}}}).error, "");
  EXPECT_LT(millisSince(start), 2 * (kTimeoutMs + kSlackMs));

  ASSERT_TRUE(server_->start()) << server_->why();
  FetchResult after = fetchUntilOk(a, {"bans"}, 5000);
  ASSERT_EQ(after.error, "") << "the store did not come back by itself";
  // The server came back empty (no persistence): a new version, i.e. an invalidation.
  EXPECT_TRUE(route::isValidVersion(after.versions["bans"].version));
  EXPECT_NE(after.versions["bans"].version, before.version);
}

TEST_P(StoreContractTest, HungServerTimesOutThenRecovers) {
  VersionStore* a = store();
  ASSERT_EQ(fetchNow(a, {"bans"}).error, "");
  ASSERT_TRUE(server_->pause()) << server_->why();
  auto start = Clock::now();
  FetchResult hung = fetchNow(a, {"bans"});
  int64_t took = millisSince(start);
  EXPECT_EQ(hung.error, label() + ": timed out after 300 ms");
  EXPECT_GE(took, kTimeoutMs - 50);
  EXPECT_LT(took, kTimeoutMs + kSlackMs);
  WriteResult hung_write = writeNow(a, {{"bans", {route::newVersion(), "normal"}}});
  EXPECT_NE(hung_write.error.find("timed out after 300 ms"), std::string::npos)
      << hung_write.error;

  server_->resume();
  FetchResult after = fetchUntilOk(a, {"bans"}, 5000);
  ASSERT_EQ(after.error, "");
  // The late write may or may not have landed; either way the version is a valid one.
  EXPECT_TRUE(route::isValidVersion(after.versions["bans"].version));
}

TEST_P(StoreContractTest, CloseAnswersEveryPendingOperationExactlyOnce) {
  VersionStore* a = store();
  ASSERT_EQ(fetchNow(a, {"bans"}).error, "");  // connected, so operations are really in flight
  std::vector<std::shared_ptr<FetchResult>> fetches;
  std::vector<std::shared_ptr<WriteResult>> writes;
  for (int i = 0; i < 5; ++i) {
    auto f = std::make_shared<FetchResult>();
    a->fetch({"bans", "acl"}, [f](VersionMap v, std::string e) { *f = {true, f->calls + 1, v, e}; });
    fetches.push_back(f);
    auto w = std::make_shared<WriteResult>();
    a->write({{"acl", {route::newVersion(), "normal"}}},
             [w](std::string e) { *w = {true, w->calls + 1, e}; });
    writes.push_back(w);
  }
  ASSERT_TRUE(closeStore(a));
  runFor(200);  // a late answer (say, a memcached call still on the thread pool) shows up here
  for (const auto& f : fetches) {
    EXPECT_EQ(f->calls, 1);
    EXPECT_NE(f->error.find("store closed"), std::string::npos) << f->error;
  }
  for (const auto& w : writes) {
    EXPECT_EQ(w->calls, 1);
    EXPECT_NE(w->error.find("store closed"), std::string::npos) << w->error;
  }
  // After close, an operation is still answered (at once), with an error.
  auto late = std::make_shared<FetchResult>();
  a->fetch({"bans"}, [late](VersionMap v, std::string e) { *late = {true, late->calls + 1, v, e}; });
  EXPECT_EQ(late->calls, 1);
  EXPECT_NE(late->error, "");
}

TEST_P(StoreContractTest, CloseWorksUnusedSubscribedAndWhileDown) {
  VersionStore* unused = store();
  EXPECT_TRUE(closeStore(unused));

  VersionStore* subscribed = store();
  subscribed->subscribe([] {});
  runFor(50);
  EXPECT_TRUE(closeStore(subscribed));

  server_->stop();
  VersionStore* down = store();
  auto pending = std::make_shared<FetchResult>();
  down->fetch({"bans"}, [pending](VersionMap v, std::string e) {
    *pending = {true, pending->calls + 1, v, e};
  });
  EXPECT_TRUE(closeStore(down));
  EXPECT_EQ(pending->calls, 1);
  EXPECT_NE(pending->error, "");
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest,
                         ::testing::Values(ServerKind::kRedis, ServerKind::kMemcached),
                         [](const ::testing::TestParamInfo<ServerKind>& param) {
                           return param.param == ServerKind::kRedis ? "Redis" : "Memcache";
                         });

}  // namespace
}  // namespace vcproxy::versions::test
