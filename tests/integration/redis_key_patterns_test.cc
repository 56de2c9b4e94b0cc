// Arguments that name keys by pattern, with several caches: SORT's BY and GET patterns are
// versioned for the one cache all their keys fall in (else refused), CLIENT TRACKING's broadcast
// prefixes notify about the client's keys in whatever version they are written.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {
namespace {

class RedisKeyPatternsTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    // users: user:* and w_*; items: item:*; everything else is no cache.
    ASSERT_NO_FATAL_FAILURE(startProxy({{"users", {"user:*", "w_*"}}, {"items", {"item:*"}}}));
  }

  std::unique_ptr<RespClient> client() { return std::make_unique<RespClient>(proxyPort()); }

  void invalidate(const std::string& cache) {
    const AdminReply reply = adminCall(adminPort(), "POST", "/caches/" + cache + "/invalidate");
    ASSERT_EQ(reply.status, 200) << reply.describe();
  }

  // The same commands on a plain Redis, for the replies the proxy must give.
  void sameAsRedis(const std::vector<std::vector<std::string>>& script) {
    RedisServer reference;
    RespClient direct(reference.port());
    auto proxied = client();
    for (const auto& command : script) {
      const RespReply want = direct.call(command);
      const RespReply got = proxied->call(command);
      EXPECT_EQ(got.describe(), want.describe()) << respCommand(command);
    }
  }
};

TEST_F(RedisKeyPatternsTest, SortPatternsReadTheVersionedKeysOfTheirCache) {
  sameAsRedis({
      {"RPUSH", "user:list", "1", "2", "3"},
      {"MSET", "w_1", "30", "w_2", "20", "w_3", "10", "user:1:name", "ann", "user:2:name", "bob", "user:3:name", "cy"},
      {"MSET", "plain_1", "b", "plain_2", "c", "plain_3", "a"},
      {"HSET", "item:1", "price", "5"},
      {"HSET", "item:2", "price", "9"},
      {"HSET", "item:3", "price", "1"},
      {"SORT", "user:list", "BY", "w_*", "GET", "#", "GET", "user:*:name"},
      {"SORT", "user:list", "BY", "item:*->price", "GET", "item:*->price"},
      {"SORT", "user:list", "BY", "plain_*", "ALPHA", "GET", "plain_*"},  // no cache: as they are
      {"SORT_RO", "user:list", "BY", "nosort", "GET", "w_*"},
      {"SORT", "user:list", "BY", "w_*", "GET", "user:*:name", "STORE", "item:sorted"},
      {"LRANGE", "item:sorted", "0", "-1"},
  });
  // Only the keys of no cache are stored as they are.
  const auto stored = scanAllKeys(backend().port());
  ASSERT_TRUE(stored);
  std::vector<std::string> raw;
  for (const auto& key : *stored) {
    if (!key.starts_with("~vc:")) raw.push_back(key);
  }
  std::sort(raw.begin(), raw.end());
  EXPECT_EQ(raw, (std::vector<std::string>{"plain_1", "plain_2", "plain_3"}));
  // After an invalidation the patterns follow the new version: the old weights are gone.
  ASSERT_NO_FATAL_FAILURE(invalidate("users"));
  auto c = client();
  EXPECT_EQ(c->call({"RPUSH", "user:list", "2", "1"}).describe(), "(integer) 2");
  EXPECT_EQ(c->call({"SORT", "user:list", "GET", "w_*"}).describe(), "[(nil), (nil)]");
  EXPECT_EQ(c->call({"MSET", "w_1", "2", "w_2", "1"}).describe(), "OK");
  EXPECT_EQ(c->call({"SORT", "user:list", "BY", "w_*"}).describe(), "[\"2\", \"1\"]");
}

TEST_F(RedisKeyPatternsTest, SortPatternsAcrossCachesAreRefused) {
  auto c = client();
  EXPECT_EQ(c->call({"RPUSH", "user:list", "1"}).describe(), "(integer) 1");
  const std::string refused =
      "(error) ERR a SORT BY/GET pattern names keys of different caches (or of a cache and of none): vcproxy "
      "cannot version it; use a pattern whose keys all fall in one cache";
  for (const std::string pattern : {"*", "w*", "*_1", "*:name", "it*->f"}) {
    EXPECT_EQ(c->call({"SORT", "user:list", "BY", pattern}).describe(), refused) << pattern;
    EXPECT_EQ(c->call({"SORT_RO", "user:list", "GET", pattern}).describe(), refused) << pattern;
  }
  EXPECT_EQ(c->call({"SORT", "user:list", "GET", "~vc:*"}).describe(),
            "(error) ERR SORT pattern names the reserved prefix ~vc:");
  EXPECT_EQ(c->call({"SORT", "user:list", "GET", "~*"}).describe(),
            "(error) ERR a SORT BY/GET pattern could name vcproxy's reserved keys");
  // Refused inside a transaction, the transaction is discarded, as Redis does on a queueing error.
  EXPECT_EQ(c->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(c->call({"SET", "user:9", "x"}).describe(), "QUEUED");
  EXPECT_EQ(c->call({"SORT", "user:list", "BY", "*"}).describe(), refused);
  EXPECT_EQ(c->call({"EXEC"}).describe(), "(error) EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(c->call({"GET", "user:9"}).describe(), "(nil)");
  EXPECT_EQ(c->call({"EXEC"}).describe(), "(error) ERR EXEC without MULTI");
}

TEST_F(RedisKeyPatternsTest, BroadcastTrackingPrefixesFollowVersions) {
  auto tracker = client();
  auto writer = client();
  tracker->setTimeout(std::chrono::milliseconds(2000));
  ASSERT_EQ(tracker->call({"HELLO", "3"}).value.type, '%');
  EXPECT_EQ(tracker->call({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "plain:"}).describe(), "OK");
  EXPECT_EQ(writer->call({"SET", "item:1", "x"}).describe(), "OK");  // not tracked: no push for it
  EXPECT_EQ(writer->call({"SET", "user:5", "x"}).describe(), "OK");
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", [\"user:5\"]]");
  EXPECT_EQ(writer->call({"SET", "plain:1", "x"}).describe(), "OK");
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", [\"plain:1\"]]");
  // A key of the same cache outside the client's prefix (w_1) is filtered out. An invalidation
  // tells the client to drop everything it caches (a null list, as after FLUSHALL), and writes
  // under the new version still notify.
  EXPECT_EQ(writer->call({"SET", "w_1", "x"}).describe(), "OK");
  ASSERT_NO_FATAL_FAILURE(invalidate("users"));
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", (nil)]");
  EXPECT_EQ(writer->call({"SET", "user:6", "y"}).describe(), "OK");
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", [\"user:6\"]]");
  EXPECT_EQ(tracker->call({"PING"}).describe(), "PONG") << "a push was left over";
  // A prefix that spans caches (`u` covers user:* and other keys) is tracked as well.
  EXPECT_EQ(tracker->call({"CLIENT", "TRACKING", "OFF"}).describe(), "OK");
  EXPECT_EQ(tracker->call({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "u"}).describe(), "OK");
  EXPECT_EQ(writer->call({"SET", "user:7", "x"}).describe(), "OK");
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", [\"user:7\"]]");
  EXPECT_EQ(writer->call({"SET", "uno", "x"}).describe(), "OK");
  EXPECT_EQ(tracker->read().describe(), "(push) [\"invalidate\", [\"uno\"]]");
  EXPECT_EQ(tracker->call({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "~v"}).describe(),
            "(error) ERR a CLIENT TRACKING prefix may not name vcproxy's reserved keys");
}

}  // namespace
}  // namespace vcproxy::test
