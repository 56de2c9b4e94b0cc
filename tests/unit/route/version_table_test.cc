#include "proxy/route/version_table.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace vcproxy::route {
namespace {

VersionTable sampleTable() {
  return VersionTable("shop-v42", {{"bans", "Ab3dE9xZ", CacheMode::kNormal},
                                   {"acl", "00000000", CacheMode::kBypass},
                                   {"users", "zzzzzzzz", CacheMode::kWriteOnly}});
}

TEST(VersionTableTest, ExposesCachesAndPrefixes) {
  VersionTable table = sampleTable();
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table.namespaceName(), "shop-v42");
  EXPECT_EQ(table.at(0).name, "bans");
  EXPECT_EQ(table.at(1).version, "00000000");
  EXPECT_EQ(table.at(2).mode, CacheMode::kWriteOnly);
  EXPECT_EQ(table.keyPrefix(0), "~vc:shop-v42:bans:Ab3dE9xZ:");
  EXPECT_EQ(table.keyPrefix(2), "~vc:shop-v42:users:zzzzzzzz:");
  EXPECT_THROW(table.at(3), std::out_of_range);
  EXPECT_THROW(table.keyPrefix(3), std::out_of_range);
}

TEST(VersionTableTest, EmptyNamespaceInPrefix) {
  VersionTable table("", {{"bans", "Ab3dE9xZ"}});
  EXPECT_EQ(table.keyPrefix(0), "~vc::bans:Ab3dE9xZ:");
}

TEST(VersionTableTest, FindByName) {
  VersionTable table = sampleTable();
  EXPECT_EQ(table.find("bans"), 0u);
  EXPECT_EQ(table.find("users"), 2u);
  EXPECT_FALSE(table.find("missing"));
  EXPECT_FALSE(table.find(""));
  EXPECT_FALSE(table.find("Bans"));
}

TEST(VersionTableTest, WithNewVersionsChangesOnlyTheNamedCaches) {
  VersionTable table = sampleTable();
  auto next = table.withNewVersions({0, 2});
  ASSERT_EQ(next->size(), 3u);
  EXPECT_NE(next->at(0).version, "Ab3dE9xZ");
  EXPECT_NE(next->at(2).version, "zzzzzzzz");
  EXPECT_TRUE(isValidVersion(next->at(0).version));
  EXPECT_TRUE(isValidVersion(next->at(2).version));
  EXPECT_EQ(next->at(1).version, "00000000");
  EXPECT_EQ(next->at(1).mode, CacheMode::kBypass);
  EXPECT_EQ(next->keyPrefix(0), "~vc:shop-v42:bans:" + next->at(0).version + ":");
  EXPECT_EQ(next->namespaceName(), "shop-v42");
  EXPECT_EQ(next->find("users"), 2u);
  // The old snapshot is untouched.
  EXPECT_EQ(table.at(0).version, "Ab3dE9xZ");
  EXPECT_EQ(table.keyPrefix(0), "~vc:shop-v42:bans:Ab3dE9xZ:");
}

TEST(VersionTableTest, WithNewVersionsRejectsUnknownIds) {
  VersionTable table = sampleTable();
  EXPECT_THROW(table.withNewVersions({3}), std::out_of_range);
  auto same = table.withNewVersions({});
  EXPECT_EQ(same->at(0).version, "Ab3dE9xZ");
}

TEST(VersionTableTest, WithModeChangesOnlyTheMode) {
  VersionTable table = sampleTable();
  auto next = table.withMode(0, CacheMode::kBypass);
  EXPECT_EQ(next->at(0).mode, CacheMode::kBypass);
  EXPECT_EQ(next->at(0).version, "Ab3dE9xZ");
  EXPECT_EQ(table.at(0).mode, CacheMode::kNormal);
  EXPECT_THROW(table.withMode(9, CacheMode::kNormal), std::out_of_range);
}

TEST(VersionTableTest, MakeInitialTableDrawsFreshVersions) {
  auto table = makeInitialTable("ns", {"bans", "acl"});
  ASSERT_EQ(table->size(), 2u);
  EXPECT_EQ(table->at(0).name, "bans");
  EXPECT_EQ(table->at(1).name, "acl");
  EXPECT_TRUE(isValidVersion(table->at(0).version));
  EXPECT_TRUE(isValidVersion(table->at(1).version));
  EXPECT_NE(table->at(0).version, table->at(1).version);
  EXPECT_EQ(table->at(0).mode, CacheMode::kNormal);
  EXPECT_EQ(table->keyPrefix(1), "~vc:ns:acl:" + table->at(1).version + ":");
  EXPECT_EQ(makeInitialTable("", {})->size(), 0u);
}

}  // namespace
}  // namespace vcproxy::route
