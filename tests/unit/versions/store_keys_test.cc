// The key names are a documented contract (operators look for them): pin them exactly.
#include <gtest/gtest.h>

#include "proxy/versions/version_store.h"

namespace vcproxy::versions {
namespace {

TEST(StoreKeysTest, RedisNamesCarryTheNamespace) {
  EXPECT_EQ(redisVersionsKey("shop-v42"), "~vc:shop-v42:!versions");
  EXPECT_EQ(redisModesKey("shop-v42"), "~vc:shop-v42:!modes");
  EXPECT_EQ(redisChannel("shop-v42"), "~vc:shop-v42:!changes");
}

TEST(StoreKeysTest, MemcacheNamesCarryNamespaceAndCache) {
  EXPECT_EQ(memcacheVersionKey("shop-v42", "bans"), "~vc:shop-v42:!version:bans");
  EXPECT_EQ(memcacheModeKey("shop-v42", "bans"), "~vc:shop-v42:!mode:bans");
}

TEST(StoreKeysTest, EmptyNamespaceKeepsBothColons) {
  EXPECT_EQ(redisVersionsKey(""), "~vc::!versions");
  EXPECT_EQ(redisModesKey(""), "~vc::!modes");
  EXPECT_EQ(redisChannel(""), "~vc::!changes");
  EXPECT_EQ(memcacheVersionKey("", "acl"), "~vc::!version:acl");
  EXPECT_EQ(memcacheModeKey("", "acl"), "~vc::!mode:acl");
}

TEST(StoreKeysTest, NamespacesNeverShareAKey) {
  EXPECT_NE(redisVersionsKey("a"), redisVersionsKey("b"));
  EXPECT_NE(memcacheVersionKey("a", "x"), memcacheVersionKey("b", "x"));
  EXPECT_NE(memcacheVersionKey("a", "x"), memcacheModeKey("a", "x"));
}

}  // namespace
}  // namespace vcproxy::versions
