#include "proxy/route/rewriter.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "proxy/route/key_format.h"
#include "tests/unit/route/alloc_counter.h"

namespace vcproxy::route {
namespace {

constexpr size_t kMemcacheMaxKey = 250;

Rewriter makeRewriter(std::string ns) {
  auto matcher = std::make_shared<const Matcher>(
      std::vector<std::vector<std::string>>{{"misago:bans:*", ":1:bans:*"}, {"acl:*"}, {"*:catchall"}});
  auto versions = std::make_shared<const VersionTable>(
      std::move(ns), std::vector<CacheVersion>{{"bans", "Ab3dE9xZ"}, {"acl", "00000000"}, {"all", "zzzzzzzz"}});
  return Rewriter(matcher, versions);
}

TEST(RewriterTest, UnmatchedKeyIsUnchangedAndOutUntouched) {
  Rewriter rewriter = makeRewriter("shop-v42");
  std::string out = "sentinel";
  uint32_t id = 7;
  EXPECT_EQ(rewriter.rewrite("other:1", kMemcacheMaxKey, out, &id), RewriteStatus::kUnchanged);
  EXPECT_EQ(out, "sentinel");
  EXPECT_EQ(id, Matcher::kNoCache);
}

TEST(RewriterTest, RewritesWithNamespace) {
  Rewriter rewriter = makeRewriter("shop-v42");
  std::string out = "previous contents that must go";
  uint32_t id = 7;
  EXPECT_EQ(rewriter.rewrite("misago:bans:1", kMemcacheMaxKey, out, &id), RewriteStatus::kRewritten);
  EXPECT_EQ(out, "~vc:shop-v42:bans:Ab3dE9xZ:misago:bans:1");
  EXPECT_EQ(id, 0u);
  EXPECT_EQ(rewriter.rewrite("acl:9", kMemcacheMaxKey, out, &id), RewriteStatus::kRewritten);
  EXPECT_EQ(out, "~vc:shop-v42:acl:00000000:acl:9");
  EXPECT_EQ(id, 1u);
}

TEST(RewriterTest, RewritesWithoutNamespace) {
  Rewriter rewriter = makeRewriter("");
  std::string out;
  EXPECT_EQ(rewriter.rewrite(":1:bans:42", kMemcacheMaxKey, out), RewriteStatus::kRewritten);
  EXPECT_EQ(out, "~vc::bans:Ab3dE9xZ::1:bans:42");
}

TEST(RewriterTest, ReservedMarkerIsRefused) {
  Rewriter rewriter = makeRewriter("shop-v42");
  std::string out = "sentinel";
  uint32_t id = 7;
  // Would match "*:catchall" if it were not refused first.
  EXPECT_EQ(rewriter.rewrite("~vc:x:catchall", kMemcacheMaxKey, out, &id), RewriteStatus::kReserved);
  EXPECT_EQ(rewriter.rewrite("~vc:shop-v42:bans:Ab3dE9xZ:misago:bans:1", kMemcacheMaxKey, out, &id),
            RewriteStatus::kReserved);
  EXPECT_EQ(out, "sentinel");
  EXPECT_EQ(id, Matcher::kNoCache);
  EXPECT_EQ(rewriter.rewrite("~vc", kMemcacheMaxKey, out), RewriteStatus::kUnchanged);
}

TEST(RewriterTest, TooLongAtLimitPlusOne) {
  Rewriter rewriter = makeRewriter("shop-v42");
  const std::string key = "misago:bans:" + std::string(20, 'k');
  const size_t rewritten_len = rewriter.versions().keyPrefix(0).size() + key.size();
  std::string out = "sentinel";
  EXPECT_EQ(rewriter.rewrite(key, rewritten_len - 1, out), RewriteStatus::kTooLong);
  EXPECT_EQ(out, "sentinel");
  EXPECT_EQ(rewriter.rewrite(key, rewritten_len, out), RewriteStatus::kRewritten);
  EXPECT_EQ(out.size(), rewritten_len);
  // A key longer than the limit on its own.
  EXPECT_EQ(rewriter.rewrite(key, key.size() - 1, out), RewriteStatus::kTooLong);
  // No overflow with an unbounded limit.
  EXPECT_EQ(rewriter.rewrite(key, SIZE_MAX, out), RewriteStatus::kRewritten);
}

TEST(RewriterTest, UnmatchedKeyTooLong) {
  Rewriter rewriter = makeRewriter("shop-v42");
  const std::string key(kMemcacheMaxKey, 'x');
  std::string out;
  uint32_t id = 7;
  EXPECT_EQ(rewriter.rewrite(key, kMemcacheMaxKey, out, &id), RewriteStatus::kUnchanged);
  EXPECT_EQ(rewriter.rewrite(key + "x", kMemcacheMaxKey, out, &id), RewriteStatus::kTooLong);
  EXPECT_EQ(id, Matcher::kNoCache);
}

TEST(RewriterTest, RestoreReturnsTheClientKey) {
  EXPECT_EQ(Rewriter::restore("~vc:shop-v42:bans:Ab3dE9xZ:misago:bans:1"), "misago:bans:1");
  EXPECT_EQ(Rewriter::restore("~vc::bans:Ab3dE9xZ::1:bans:42"), ":1:bans:42");
  EXPECT_EQ(Rewriter::restore("plain:key"), "plain:key");
  EXPECT_EQ(Rewriter::restore("~vc:ns:bans:bad:k"), "~vc:ns:bans:bad:k");
  EXPECT_EQ(Rewriter::restore(""), "");
}

TEST(RewriterTest, RewriteThenRestoreRoundTrips) {
  Rewriter rewriter = makeRewriter("shop-v42");
  std::string out;
  for (std::string key : {"misago:bans:1", ":1:bans:", "acl:", "acl:a:b:c", "x:catchall"}) {
    ASSERT_EQ(rewriter.rewrite(key, kMemcacheMaxKey, out), RewriteStatus::kRewritten) << key;
    EXPECT_EQ(Rewriter::restore(out), key);
  }
}

TEST(RewriterTest, NewVersionsGiveNewKeys) {
  Rewriter rewriter = makeRewriter("shop-v42");
  std::string before;
  std::string after;
  rewriter.rewrite("misago:bans:1", kMemcacheMaxKey, before);
  Rewriter next = rewriter.withVersions(rewriter.versions().withNewVersions({0}));
  next.rewrite("misago:bans:1", kMemcacheMaxKey, after);
  EXPECT_NE(before, after);
  EXPECT_EQ(Rewriter::restore(after), "misago:bans:1");
  // The old rewriter still uses its own snapshot.
  std::string again;
  rewriter.rewrite("misago:bans:1", kMemcacheMaxKey, again);
  EXPECT_EQ(again, before);
}

TEST(RewriterTest, RejectsMismatchedSnapshots) {
  auto matcher = std::make_shared<const Matcher>(std::vector<std::vector<std::string>>{{"a*"}, {"b*"}});
  auto one = makeInitialTable("", {"a"});
  auto two = makeInitialTable("", {"a", "b"});
  EXPECT_THROW(Rewriter(matcher, one), std::invalid_argument);
  EXPECT_THROW(Rewriter(nullptr, two), std::invalid_argument);
  EXPECT_THROW(Rewriter(matcher, nullptr), std::invalid_argument);
  Rewriter ok(matcher, two);
  EXPECT_THROW(ok.withVersions(one), std::invalid_argument);
  EXPECT_EQ(ok.versionsPtr(), two);
  EXPECT_EQ(ok.matcherPtr(), matcher);
}

TEST(RewriterTest, StatusNamesAreDistinct) {
  std::set<std::string_view> names;
  for (auto status : {RewriteStatus::kUnchanged, RewriteStatus::kRewritten, RewriteStatus::kReserved,
                      RewriteStatus::kTooLong}) {
    EXPECT_FALSE(rewriteStatusName(status).empty());
    names.insert(rewriteStatusName(status));
  }
  EXPECT_EQ(names.size(), 4u);
  EXPECT_EQ(rewriteStatusName(RewriteStatus::kTooLong), "too-long");
}

TEST(RewriterTest, RewriteAllocatesNothingOnceOutHasCapacity) {
  Rewriter rewriter = makeRewriter("shop-v42");
  const std::vector<std::string> keys = {"misago:bans:1", "acl:2", "nothing", "~vc:x", "a:catchall",
                                         std::string(300, 'k')};
  std::string out;
  out.reserve(512);
  size_t before = test_support::allocationCount();
  size_t rewritten = 0;
  for (int round = 0; round < 100; ++round) {
    for (const std::string& key : keys) {
      rewritten += rewriter.rewrite(key, kMemcacheMaxKey, out) == RewriteStatus::kRewritten;
      rewritten += rewriter.matcher().match(key) != Matcher::kNoCache;
    }
  }
  EXPECT_EQ(test_support::allocationCount(), before);
  EXPECT_EQ(rewritten, 100u * 6);
}

}  // namespace
}  // namespace vcproxy::route
