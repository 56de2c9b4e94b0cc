// Invalidation through the admin API with a Redis listener: two caches (`user:*` -> users,
// `*` -> rest). After POST /caches/users/invalidate the user keys are gone for every client
// (GET misses, KEYS/SCAN no longer list them, RANDOMKEY never draws them) while the other cache's
// keys stay; the old keys are still in Redis (garbage under the old version), never shown.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using Strings = std::vector<std::string>;

Strings sorted(Strings items) {
  std::sort(items.begin(), items.end());
  return items;
}

// SCAN through the proxy to cursor 0 (with `match` when not empty): the sorted keys.
Strings scanThrough(RespClient& client, const std::string& match = "") {
  std::set<std::string> keys;
  std::string cursor = "0";
  for (int round = 0; round < 10000; ++round) {
    Strings args{"SCAN", cursor, "COUNT", "3"};
    if (!match.empty()) {
      args.push_back("MATCH");
      args.push_back(match);
    }
    const RespReply reply = client.call(args);
    if (!reply.ok() || reply.value.items.size() != 2) {
      ADD_FAILURE() << "SCAN through vcproxy: " << reply.describe();
      return {};
    }
    cursor = reply.value.items[0].text;
    for (const auto& key : reply.value.items[1].strings()) keys.insert(key);
    if (cursor == "0") return {keys.begin(), keys.end()};
  }
  ADD_FAILURE() << "SCAN did not end";
  return {};
}

class RedisInvalidationTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy({{"users", {"user:*"}}, {"rest", {"*"}}}));
  }

  std::string invalidate(const std::string& cache) {
    const AdminReply reply = adminCall(adminPort(), "POST", "/caches/" + cache + "/invalidate");
    EXPECT_EQ(reply.status, 200) << reply.describe();
    return jsonString(reply.json, "version");
  }

  // RANDOMKEY `rounds` times: every key drawn must be among `allowed` (nil allowed too).
  void expectRandomKeysAmong(RespClient& client, const std::set<std::string>& allowed, int rounds = 200) {
    int nils = 0;
    std::map<std::string, int> hidden;  // drawn but not allowed -> how often
    for (int i = 0; i < rounds; ++i) {
      const RespReply reply = client.call({"RANDOMKEY"});
      ASSERT_TRUE(reply.ok()) << reply.error;
      if (reply.value.isNil()) {
        ++nils;
        continue;
      }
      ASSERT_EQ(reply.value.type, '$') << reply.describe();
      if (!allowed.count(reply.value.text)) ++hidden[reply.value.text];
    }
    std::string drawn;
    for (const auto& [key, count] : hidden) drawn += " " + visibleBytes(key) + " (x" + std::to_string(count) + ")";
    EXPECT_TRUE(hidden.empty()) << "RANDOMKEY returned keys the client must not see:" << drawn;
    if (allowed.empty()) {
      EXPECT_EQ(nils, rounds);
    }
  }
};

TEST_F(RedisInvalidationTest, InvalidatedCacheDisappearsOthersStay) {
  RespClient writer(proxyPort());
  RespClient pinned(proxyPort());  // a client on its own upstream connection since before the invalidation
  EXPECT_EQ(pinned.call({"CLIENT", "SETNAME", "pinned"}).describe(), "OK");
  EXPECT_EQ(writer.call({"MSET", "user:1", "u1", "user:2", "u2", "other:1", "o1", "other:2", "o2"}).describe(), "OK");
  EXPECT_EQ(writer.call({"HSET", "user:h", "f", "v"}).describe(), "(integer) 1");
  EXPECT_EQ(writer.call({"GET", "user:1"}).describe(), "\"u1\"");
  EXPECT_EQ(pinned.call({"GET", "user:2"}).describe(), "\"u2\"");
  EXPECT_EQ(sorted(writer.call({"KEYS", "*"}).value.strings()),
            (Strings{"other:1", "other:2", "user:1", "user:2", "user:h"}));
  ASSERT_NO_FATAL_FAILURE(expectNoUnversionedKeys({"users", "rest"}));

  const std::string before = cacheVersion(adminPort(), "users");
  const std::string after = invalidate("users");
  ASSERT_TRUE(isVersion(after)) << after;
  ASSERT_NE(before, after);
  EXPECT_EQ(cacheVersion(adminPort(), "users"), after);

  for (RespClient* client : {&writer, &pinned}) {
    SCOPED_TRACE(client == &writer ? "shared-connection client" : "pinned client");
    EXPECT_EQ(client->call({"GET", "user:1"}).describe(), "(nil)");
    EXPECT_EQ(client->call({"MGET", "user:1", "user:2", "other:1"}).describe(), "[(nil), (nil), \"o1\"]");
    EXPECT_EQ(client->call({"EXISTS", "user:1", "user:2", "user:h"}).describe(), "(integer) 0");
    EXPECT_EQ(client->call({"HGETALL", "user:h"}).describe(), "[]");
    EXPECT_EQ(client->call({"GET", "other:1"}).describe(), "\"o1\"");
    EXPECT_EQ(sorted(client->call({"KEYS", "*"}).value.strings()), (Strings{"other:1", "other:2"}));
    EXPECT_EQ(client->call({"KEYS", "user:*"}).describe(), "[]");
    EXPECT_EQ(scanThrough(*client), (Strings{"other:1", "other:2"}));
    EXPECT_EQ(scanThrough(*client, "user:*"), Strings{});
    ASSERT_NO_FATAL_FAILURE(expectRandomKeysAmong(*client, {"other:1", "other:2"}));
  }
  for (int i = 0; i < 6; ++i) {  // fresh clients on either worker
    RespClient fresh(proxyPort());
    EXPECT_EQ(fresh.call({"GET", "user:2"}).describe(), "(nil)") << "fresh client " << i;
  }

  // The old keys are still in Redis, under the old version only.
  const auto stored = scanAllKeys(backend().port());
  ASSERT_TRUE(stored);
  int old_user_keys = 0;
  for (const auto& key : *stored) {
    const auto parsed = parseVersionedKey(key);
    if (parsed && parsed->cache == "users") {
      EXPECT_EQ(parsed->version, before) << key;
      ++old_user_keys;
    }
  }
  EXPECT_EQ(old_user_keys, 3);

  // Written again: the new version, listed once.
  EXPECT_EQ(writer.call({"SET", "user:1", "new"}).describe(), "OK");
  EXPECT_EQ(pinned.call({"GET", "user:1"}).describe(), "\"new\"");
  EXPECT_EQ(writer.call({"KEYS", "user:*"}).describe(), "[\"user:1\"]");
  EXPECT_EQ(scanThrough(writer, "user:*"), (Strings{"user:1"}));
  ASSERT_NO_FATAL_FAILURE(expectNoUnversionedKeys({"users", "rest"}));

  // Invalidating the other cache through POST /invalidate leaves the users cache alone.
  const AdminReply several = adminCall(adminPort(), "POST", "/invalidate", R"({"caches":["rest"]})");
  ASSERT_EQ(several.status, 200) << several.describe();
  EXPECT_EQ(writer.call({"GET", "other:1"}).describe(), "(nil)");
  EXPECT_EQ(writer.call({"GET", "user:1"}).describe(), "\"new\"");
  EXPECT_EQ(sorted(pinned.call({"KEYS", "*"}).value.strings()), (Strings{"user:1"}));
  ASSERT_NO_FATAL_FAILURE(expectRandomKeysAmong(writer, {"user:1"}));

  // Everything invalidated: the keyspace looks empty, although Redis still holds the garbage.
  const AdminReply all = adminCall(adminPort(), "POST", "/invalidate-all");
  ASSERT_EQ(all.status, 200) << all.describe();
  EXPECT_EQ(writer.call({"KEYS", "*"}).describe(), "[]");
  EXPECT_EQ(scanThrough(pinned), Strings{});
  ASSERT_NO_FATAL_FAILURE(expectRandomKeysAmong(writer, {}, 50));
  ASSERT_NO_FATAL_FAILURE(expectRandomKeysAmong(pinned, {}, 50));
}

// A second sidecar on the same Redis (the same store) sees the invalidation too.
TEST_F(RedisInvalidationTest, SecondSidecarFollows) {
  RedisProxyConfig config;
  config.listen_port = freePort();
  config.backends = {backend().address()};
  config.caches = {{"users", {"user:*"}}, {"rest", {"*"}}};
  ProxyProcess second(binary(), toRedisYaml(config), config.listen_port);
  ASSERT_TRUE(second.start());
  {
    RespClient one(proxyPort());
    RespClient two(config.listen_port);
    EXPECT_EQ(one.call({"SET", "user:9", "v"}).describe(), "OK");
    EXPECT_EQ(two.call({"GET", "user:9"}).describe(), "\"v\"") << "both sidecars use the same version";
    invalidate("users");
    const auto took = pollUntil(std::chrono::seconds(3), [&] { return two.call({"GET", "user:9"}).value.isNil(); },
                                std::chrono::milliseconds(5));
    EXPECT_TRUE(took.has_value()) << "the second sidecar still serves the old version after 3 s";
    EXPECT_EQ(two.call({"KEYS", "user:*"}).describe(), "[]");
  }  // closed before the stop: vcproxy drains open client connections on SIGTERM
  EXPECT_TRUE(second.stop());
}

// FLUSHALL / FLUSHDB through the proxy also empties the version store (it lives in the backend).
// The versions in use must survive it, as the memcached listener does for `flush_all`
// (McClientConn::restoreVersionsAfterFlush): otherwise the next refresh creates new versions and
// keys written right after the flush vanish, an invalidation nobody asked for.
TEST_F(RedisInvalidationTest, FlushKeepsTheVersionsInUse) {
  for (const char* flush : {"FLUSHALL", "FLUSHDB"}) {
    SCOPED_TRACE(flush);
    RespClient client(proxyPort());
    const std::string users = cacheVersion(adminPort(), "users");
    const std::string rest = cacheVersion(adminPort(), "rest");
    EXPECT_EQ(client.call({"SET", "user:1", "before"}).describe(), "OK");
    EXPECT_EQ(client.call({flush}).describe(), "OK");
    EXPECT_EQ(client.call({"GET", "user:1"}).describe(), "(nil)");
    EXPECT_EQ(client.call({"SET", "user:1", "after"}).describe(), "OK");
    EXPECT_EQ(client.call({"SET", "other", "after"}).describe(), "OK");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // > refresh_interval_ms (1000)
    EXPECT_EQ(client.call({"GET", "user:1"}).describe(), "\"after\"") << "written after " << flush;
    EXPECT_EQ(client.call({"GET", "other"}).describe(), "\"after\"") << "written after " << flush;
    EXPECT_EQ(cacheVersion(adminPort(), "users"), users);
    EXPECT_EQ(cacheVersion(adminPort(), "rest"), rest);
    RespClient direct(backend().port());
    EXPECT_EQ(direct.call({"HGET", "~vc:it:!versions", "users"}).describe(), "\"" + users + "\"");
  }
}

// Keys that match no cache pattern are stored as they are and listed next to restored ones.
TEST_F(RedisInvalidationTest, UnmatchedKeysPassRaw) {
  RedisProxyConfig config;
  config.listen_port = freePort();
  config.backends = {backend().address()};
  config.caches = {{"users", {"user:*"}}};
  ProxyProcess only_users(binary(), toRedisYaml(config), config.listen_port);
  ASSERT_TRUE(only_users.start());
  {
    RespClient client(config.listen_port);
    EXPECT_EQ(client.call({"MSET", "user:1", "a", "plain", "b"}).describe(), "OK");
    EXPECT_EQ(sorted(client.call({"KEYS", "*"}).value.strings()), (Strings{"plain", "user:1"}));
    EXPECT_EQ(scanThrough(client), (Strings{"plain", "user:1"}));
    RespClient direct(backend().port());
    EXPECT_EQ(direct.call({"GET", "plain"}).describe(), "\"b\"") << "an unmatched key is stored raw";
    EXPECT_EQ(direct.call({"GET", "user:1"}).describe(), "(nil)") << "a matched key is never stored raw";
    const std::string version = cacheVersion(only_users.adminPort(), "users");
    EXPECT_EQ(direct.call({"GET", "~vc:it:users:" + version + ":user:1"}).describe(), "\"a\"");
    const AdminReply reply = adminCall(only_users.adminPort(), "POST", "/caches/users/invalidate");
    EXPECT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(client.call({"KEYS", "*"}).describe(), "[\"plain\"]");
    EXPECT_EQ(client.call({"GET", "plain"}).describe(), "\"b\"");
  }
  EXPECT_TRUE(only_users.stop());
}

// A key written to Redis before vcproxy (stored raw) that matches a cache pattern cannot be read,
// written or deleted through the proxy (its name is always versioned). KEYS, SCAN and RANDOMKEY
// must then not list it either, or a client sees a key that EXISTS denies and DEL cannot remove.
TEST_F(RedisInvalidationTest, RawKeysOfACacheAreNotListed) {
  RespClient direct(backend().port());
  EXPECT_EQ(direct.call({"SET", "user:legacy", "raw"}).describe(), "OK");
  RespClient client(proxyPort());
  EXPECT_EQ(client.call({"SET", "user:new", "v"}).describe(), "OK");
  EXPECT_EQ(client.call({"EXISTS", "user:legacy"}).describe(), "(integer) 0");
  EXPECT_EQ(client.call({"DEL", "user:legacy"}).describe(), "(integer) 0");
  EXPECT_EQ(client.call({"KEYS", "user:*"}).describe(), "[\"user:new\"]");
  EXPECT_EQ(scanThrough(client, "user:*"), (Strings{"user:new"}));
  ASSERT_NO_FATAL_FAILURE(expectRandomKeysAmong(client, {"user:new"}, 100));
}

}  // namespace
}  // namespace vcproxy::test
