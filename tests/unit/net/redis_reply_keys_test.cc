#include "proxy/net/redis_reply_keys.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/net/redis_metrics.h"
#include "proxy/route/matcher.h"
#include "proxy/route/version_table.h"

namespace vcproxy::net {
namespace {

route::Rewriter snapshot() {
  auto matcher = std::make_shared<route::Matcher>(std::vector<std::vector<std::string>>{{"user:*"}});
  std::vector<route::CacheVersion> caches(1);
  caches[0].name = "users";
  caches[0].version = "AAAAAAAA";
  return route::Rewriter(matcher, std::make_shared<route::VersionTable>("ns", caches));
}

RedisReplyRule rule(std::string_view name, std::string pattern = "*") {
  return {codec::findRedisCommand(name), std::move(pattern)};
}

std::string exec(const std::vector<RedisReplyRule>& queued, std::string_view reply) {
  std::string out;
  restoreExecReply(queued, reply, snapshot(), out);
  return out;
}

TEST(RedisExecReply, EachElementByItsCommand) {
  const std::string current = "~vc:ns:users:AAAAAAAA:user:1";
  const std::string old = "~vc:ns:users:OLDVERSN:user:2";
  const std::vector<RedisReplyRule> queued = {rule("set"), rule("keys", "user:*"), rule("lmpop"), rule("randomkey"),
                                              {nullptr, "*"}};
  const std::string reply = "*5\r\n+OK\r\n"
                            "*3\r\n$28\r\n" + current + "\r\n$28\r\n" + old + "\r\n$6\r\nuser:9\r\n"
                            "*2\r\n$28\r\n" + current + "\r\n*1\r\n$1\r\na\r\n"
                            "$28\r\n" + old + "\r\n"
                            "$28\r\n" + current + "\r\n";
  EXPECT_EQ(exec(queued, reply), "*5\r\n+OK\r\n"
                                 "*1\r\n$6\r\nuser:1\r\n"  // the old version and the raw cache key hidden
                                 "*2\r\n$6\r\nuser:1\r\n*1\r\n$1\r\na\r\n"
                                 "$-1\r\n"                 // RANDOMKEY drew an old version
                                 "$28\r\n" + current + "\r\n");  // an unknown command: as it came
}

TEST(RedisExecReply, PassedAsItCame) {
  const std::vector<RedisReplyRule> queued = {rule("keys")};
  EXPECT_EQ(exec(queued, "*-1\r\n"), "*-1\r\n");
  EXPECT_EQ(exec(queued, "_\r\n"), "_\r\n");
  EXPECT_EQ(exec(queued, "-EXECABORT Transaction discarded because of previous errors.\r\n"),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(exec(queued, "*2\r\n+OK\r\n+OK\r\n"), "*2\r\n+OK\r\n+OK\r\n");  // not the queued count
  EXPECT_EQ(exec(queued, "*1\r\n-ERR wrong\r\n"), "*1\r\n-ERR wrong\r\n");
}

TEST(RedisInvalidation, RestoredAndFiltered) {
  const std::string push = ">2\r\n$10\r\ninvalidate\r\n*3\r\n$28\r\n~vc:ns:users:AAAAAAAA:user:1\r\n"
                           "$16\r\n~vc:ns:!versions\r\n$5\r\nother\r\n";
  std::string out;
  EXPECT_TRUE(restoreInvalidation(push, {}, out));
  EXPECT_EQ(out, ">2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$5\r\nother\r\n");
  out.clear();
  const std::vector<std::string> prefixes = {"user:"};
  EXPECT_TRUE(restoreInvalidation(push, prefixes, out));
  EXPECT_EQ(out, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nuser:1\r\n");
  out.clear();
  const std::vector<std::string> none = {"zzz"};
  EXPECT_TRUE(restoreInvalidation(push, none, out));
  EXPECT_EQ(out, "") << "nothing left: the push is dropped";
  EXPECT_FALSE(restoreInvalidation(">2\r\n$10\r\ninvalidate\r\n_\r\n", {}, out)) << "a null list passes as it is";
  EXPECT_FALSE(restoreInvalidation(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n", {}, out));
}

// Tracking with REDIRECT: the target connection gets the keys as messages of __redis__:invalidate.
TEST(RedisInvalidation, RedirectMessagesRestored) {
  const std::string keys = "*2\r\n$28\r\n~vc:ns:users:AAAAAAAA:user:1\r\n$16\r\n~vc:ns:!versions\r\n";
  for (const std::string head : {"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n",
                                 ">3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"}) {
    std::string out;
    EXPECT_TRUE(restoreInvalidation(head + keys, {}, out));
    EXPECT_EQ(out, head + "*1\r\n$6\r\nuser:1\r\n");
  }
  std::string out;
  EXPECT_FALSE(restoreInvalidation("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*-1\r\n", {}, out))
      << "a null list (everything) passes as it is";
}

TEST(RedisMetrics, HitsAndKinds) {
  std::vector<size_t> hits;
  const auto collect = [&](std::string_view reply) {
    hits.clear();
    forEachRedisHit(reply, [&](size_t i) { hits.push_back(i); });
    return hits;
  };
  EXPECT_EQ(collect("$1\r\nv\r\n"), (std::vector<size_t>{0}));
  EXPECT_EQ(collect("$-1\r\n"), (std::vector<size_t>{}));
  EXPECT_EQ(collect("_\r\n"), (std::vector<size_t>{}));
  EXPECT_EQ(collect("-ERR x\r\n"), (std::vector<size_t>{}));
  EXPECT_EQ(collect("*3\r\n$1\r\na\r\n$-1\r\n$0\r\n\r\n"), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(redisCountKind(*codec::findRedisCommand("mget")), RedisCount::kRead);
  EXPECT_EQ(redisCountKind(*codec::findRedisCommand("psetex")), RedisCount::kWrite);
  EXPECT_EQ(redisCountKind(*codec::findRedisCommand("hget")), RedisCount::kNone);
  EXPECT_EQ(redisCountKind(*codec::findRedisCommand("config", "get")), RedisCount::kNone);
}

}  // namespace
}  // namespace vcproxy::net
