#include "proxy/route/glob_overlap.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/route/glob.h"
#include "proxy/route/matcher.h"

namespace vcproxy::route {
namespace {

TEST(GlobOverlapTest, All) {
  EXPECT_EQ(globOverlap("*", "", ""), GlobOverlap::kAll);
  EXPECT_EQ(globOverlap("w_*", "w_", ""), GlobOverlap::kAll);
  EXPECT_EQ(globOverlap("w*", "w_", "->x"), GlobOverlap::kAll);
  EXPECT_EQ(globOverlap("user:*:name", "user:", ":name"), GlobOverlap::kAll);
  EXPECT_EQ(globOverlap("*:name", "user:", ":name"), GlobOverlap::kAll);
  EXPECT_EQ(globOverlap("u?er:*", "user:", ""), GlobOverlap::kAll);
}

TEST(GlobOverlapTest, None) {
  EXPECT_EQ(globOverlap("acl:*", "user:", ""), GlobOverlap::kNone);
  EXPECT_EQ(globOverlap("user:1", "w_", ""), GlobOverlap::kNone);
  EXPECT_EQ(globOverlap("*:a", "x", ":b"), GlobOverlap::kNone);
  EXPECT_EQ(globOverlap("ab", "abc", ""), GlobOverlap::kNone);  // every key is longer
}

TEST(GlobOverlapTest, Some) {
  EXPECT_EQ(globOverlap("user:1*", "user:", ""), GlobOverlap::kSome);
  EXPECT_EQ(globOverlap("user:1", "user:", ""), GlobOverlap::kSome);
  EXPECT_EQ(globOverlap("user:*", "", ""), GlobOverlap::kSome);
  EXPECT_EQ(globOverlap("*x", "a", ""), GlobOverlap::kSome);
  EXPECT_EQ(globOverlap("?", "", ""), GlobOverlap::kSome);
}

// Brute force over short X: what globOverlap proves must hold for every expansion.
TEST(GlobOverlapTest, AgreesWithExpansions) {
  const std::vector<std::string> globs = {"*", "a*", "*b", "a?b", "?*", "ab*ba", "a*b*", "b", "*a*", "??"};
  const std::vector<std::string> parts = {"", "a", "b", "ab", "ba"};
  const std::vector<std::string> xs = {"", "a", "b", "aa", "ab", "ba", "bb", "aab", "bab", "abba"};
  for (const auto& glob : globs) {
    for (const auto& prefix : parts) {
      for (const auto& suffix : parts) {
        const GlobOverlap overlap = globOverlap(glob, prefix, suffix);
        for (const auto& x : xs) {
          const bool hit = globMatch(glob, prefix + x + suffix);
          const std::string where = glob + " vs " + prefix + "*" + suffix + " with " + x;
          if (overlap == GlobOverlap::kAll) {
            EXPECT_TRUE(hit) << where;
          } else if (overlap == GlobOverlap::kNone) {
            EXPECT_FALSE(hit) << where;
          }
        }
      }
    }
  }
}

TEST(MatcherExpansionsTest, FirstCacheMustTakeThemAll) {
  const Matcher matcher({{"user:*"}, {"acl:*", "w_*"}, {"*"}});
  EXPECT_EQ(matcher.matchExpansions("user:", ""), 0u);
  EXPECT_EQ(matcher.matchExpansions("w_", ""), 1u);
  EXPECT_EQ(matcher.matchExpansions("w", ""), Matcher::kAmbiguous);  // w_1 in cache 1, wx in cache 2
  EXPECT_EQ(matcher.matchExpansions("other:", ""), 2u);
  EXPECT_EQ(matcher.matchExpansions("", "_weight"), Matcher::kAmbiguous);
  const Matcher narrow({{"user:*"}});
  EXPECT_EQ(narrow.matchExpansions("w_", ""), Matcher::kNoCache);
  EXPECT_EQ(narrow.matchExpansions("use", ""), Matcher::kAmbiguous);
}

}  // namespace
}  // namespace vcproxy::route
