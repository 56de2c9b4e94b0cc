// Hash tags keep their meaning through the rewriter: the prefix vcproxy inserts
// (~vc:<ns>:<cache>:<ver>:) holds no '{' or '}' — config names are [A-Za-z0-9_.-] and versions
// [A-Za-z0-9] — so a tagged key lands in its tag's slot, and keys without a tag still spread.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "config/loader.h"
#include "proxy/codec/redis_slot.h"
#include "proxy/route/rewriter.h"

namespace vcproxy {
namespace {

route::Rewriter makeRewriter() {
  auto matcher = std::make_shared<const route::Matcher>(std::vector<std::vector<std::string>>{{"*"}});
  auto versions = std::make_shared<const route::VersionTable>(
      "shop-v42", std::vector<route::CacheVersion>{{"all_keys.v1", "Ab3dE9xZ"}});
  return route::Rewriter(matcher, versions);
}

TEST(VersionedSlot, TaggedKeysStayWithTheirTag) {
  const route::Rewriter rewriter = makeRewriter();
  std::string a;
  std::string b;
  for (const std::string tag : {"user42", "x", "{", "cart:7", "a b"}) {
    ASSERT_EQ(rewriter.rewrite("{" + tag + "}:a", SIZE_MAX, a), route::RewriteStatus::kRewritten);
    ASSERT_EQ(rewriter.rewrite("prefix{" + tag + "}:b", SIZE_MAX, b), route::RewriteStatus::kRewritten);
    EXPECT_EQ(codec::redisKeySlot(a), codec::redisKeySlot(tag)) << a;
    EXPECT_EQ(codec::redisKeySlot(b), codec::redisKeySlot(tag)) << b;
  }
}

// 100,000 versioned keys without a tag over the three ranges redis-cli --cluster create makes.
TEST(VersionedSlot, UntaggedKeysSpreadEvenlyOverThreeMasters) {
  const route::Rewriter rewriter = makeRewriter();
  std::array<uint32_t, 3> per_master{};
  std::string out;
  constexpr uint32_t kKeys = 100000;
  for (uint32_t i = 0; i < kKeys; ++i) {
    ASSERT_EQ(rewriter.rewrite("user:" + std::to_string(i), SIZE_MAX, out), route::RewriteStatus::kRewritten);
    const uint16_t slot = codec::redisKeySlot(out);
    ++per_master[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2];
  }
  for (const uint32_t count : per_master) {
    EXPECT_GT(count, kKeys / 3 * 0.9) << count;
    EXPECT_LT(count, kKeys / 3 * 1.1) << count;
  }
}

// The property above rests on config refusing braces in the names that go into the prefix.
TEST(VersionedSlot, ConfigRefusesBracesInNamespaceAndCacheNames) {
  const std::string listener =
      "listeners:\n  - {name: r, protocol: redis, listen: 127.0.0.1:6380, backends: [127.0.0.1:6379]}\n";
  for (const std::string bad : {"namespace: \"a{b\"\n", "namespace: \"b}\"\n"}) {
    const config::LoadResult result = config::loadString(bad + listener, "t.yaml");
    ASSERT_EQ(result.errors.size(), 1u) << bad;
    EXPECT_EQ(result.errors[0].line, 1);
    EXPECT_NE(result.errors[0].message.find("[A-Za-z0-9_.-]"), std::string::npos) << result.errors[0].message;
  }
  for (const std::string bad : {"{users}", "users}"}) {
    const config::LoadResult result =
        config::loadString(listener + "caches:\n  - name: \"" + bad + "\"\n    patterns: [\"u:*\"]\n", "t.yaml");
    ASSERT_EQ(result.errors.size(), 1u) << bad;
    EXPECT_EQ(result.errors[0].line, 4);
    EXPECT_NE(result.errors[0].message.find("contains \"" + bad.substr(bad.find_first_of("{}"), 1)), std::string::npos) << result.errors[0].message;
  }
}

}  // namespace
}  // namespace vcproxy
