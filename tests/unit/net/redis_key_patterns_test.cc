#include "proxy/net/redis_key_patterns.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/route/matcher.h"
#include "proxy/route/version_table.h"

namespace vcproxy::net {
namespace {

// users: user:* and w_*; items: item:*.
route::Rewriter snapshot(route::CacheMode users_mode = route::CacheMode::kNormal) {
  auto matcher = std::make_shared<route::Matcher>(std::vector<std::vector<std::string>>{{"user:*", "w_*"}, {"item:*"}});
  std::vector<route::CacheVersion> caches(2);
  caches[0].name = "users";
  caches[0].version = "AAAAAAAA";
  caches[0].mode = users_mode;
  caches[1].name = "items";
  caches[1].version = "BBBBBBBB";
  return route::Rewriter(matcher, std::make_shared<route::VersionTable>("ns", caches));
}

std::string sortPattern(std::string_view pattern, const route::Rewriter& rewriter = snapshot()) {
  std::string out;
  const std::string error = rewriteSortPattern(pattern, rewriter, out);
  return error.empty() ? out : error;
}

TEST(RedisSortPattern, VersionedForItsCache) {
  EXPECT_EQ(sortPattern("w_*"), "~vc:ns:users:AAAAAAAA:w_*");
  EXPECT_EQ(sortPattern("user:*:name"), "~vc:ns:users:AAAAAAAA:user:*:name");
  EXPECT_EQ(sortPattern("item:*->price"), "~vc:ns:items:BBBBBBBB:item:*->price");
  EXPECT_EQ(sortPattern("x*->"), "x*->");  // a trailing -> is part of the key: no cache
  EXPECT_EQ(sortPattern("plain_*"), "plain_*");
  EXPECT_EQ(sortPattern("w_*", snapshot(route::CacheMode::kBypass)), "~vc:ns:!absent:w_*");
}

TEST(RedisSortPattern, Refused) {
  for (const char* pattern : {"*", "w*", "*_1", "*:name", "ite*->price", "u*"}) {
    EXPECT_TRUE(sortPattern(pattern).starts_with("-ERR a SORT BY/GET pattern names keys of different caches"))
        << pattern << ": " << sortPattern(pattern);
  }
  EXPECT_TRUE(sortPattern("~*").starts_with("-ERR a SORT BY/GET pattern could name vcproxy's reserved keys"));
  EXPECT_TRUE(sortPattern(std::string_view("w_*\0", 4)).starts_with("-ERR a SORT BY/GET pattern with a NUL byte"));
}

TEST(RedisTrackingPrefixes, PerCacheOverEveryVersion) {
  std::vector<std::string> out;
  const std::vector<std::string_view> prefixes = {"user:", "plain:", "item:1"};
  EXPECT_EQ(trackingPrefixes(prefixes, snapshot(), out), "");
  EXPECT_EQ(out, (std::vector<std::string>{"user:", "plain:", "item:1", "~vc:ns:items:", "~vc:ns:users:"}));
  const std::vector<std::string_view> spanning = {"u", "item:"};
  EXPECT_EQ(trackingPrefixes(spanning, snapshot(), out), "");
  EXPECT_EQ(out, (std::vector<std::string>{"u", "item:", "~vc:ns:"})) << "one prefix for every cache covers both";
  const std::vector<std::string_view> reserved = {"~v"};
  EXPECT_NE(trackingPrefixes(reserved, snapshot(), out), "");
}

}  // namespace
}  // namespace vcproxy::net
