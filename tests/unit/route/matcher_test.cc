#include "proxy/route/matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "proxy/route/glob.h"

namespace vcproxy::route {
namespace {

using Patterns = std::vector<std::vector<std::string>>;
constexpr uint32_t kNone = Matcher::kNoCache;

// What Matcher must be equivalent to: every cache in order, every pattern.
uint32_t bruteForceMatch(const Patterns& caches, std::string_view key) {
  for (uint32_t id = 0; id < caches.size(); ++id) {
    for (const std::string& pattern : caches[id]) {
      if (globMatch(pattern, key)) {
        return id;
      }
    }
  }
  return kNone;
}

TEST(MatcherTest, EmptyMatcherMatchesNothing) {
  Matcher matcher(Patterns{});
  EXPECT_EQ(matcher.match(""), kNone);
  EXPECT_EQ(matcher.match("anything"), kNone);
  EXPECT_EQ(matcher.patternCount(), 0u);
  EXPECT_EQ(matcher.cacheCount(), 0u);
}

TEST(MatcherTest, FirstCacheInFileOrderWinsOverMoreSpecificLaterPattern) {
  Matcher matcher(Patterns{{"user:*"}, {"user:42:*"}, {"user:42:profile"}});
  EXPECT_EQ(matcher.match("user:42:profile"), 0u);
  EXPECT_EQ(matcher.match("user:42:x"), 0u);
  EXPECT_EQ(matcher.match("user:7"), 0u);
  EXPECT_EQ(matcher.match("use"), kNone);
}

TEST(MatcherTest, MoreSpecificEarlierPatternWins) {
  Matcher matcher(Patterns{{"user:42:*"}, {"user:*"}});
  EXPECT_EQ(matcher.match("user:42:x"), 0u);
  EXPECT_EQ(matcher.match("user:43:x"), 1u);
}

TEST(MatcherTest, ShorterPrefixOfEarlierCacheBeatsDeeperLaterOne) {
  // The deeper trie node is visited later in the walk but must not win.
  Matcher matcher(Patterns{{"a*z"}, {"abcdef*"}});
  EXPECT_EQ(matcher.match("abcdefz"), 0u);
  EXPECT_EQ(matcher.match("abcdefy"), 1u);
}

TEST(MatcherTest, ExactPatterns) {
  Matcher matcher(Patterns{{"config"}, {"acl:1", "acl:2"}});
  EXPECT_EQ(matcher.match("config"), 0u);
  EXPECT_EQ(matcher.match("acl:1"), 1u);
  EXPECT_EQ(matcher.match("acl:2"), 1u);
  EXPECT_EQ(matcher.match("acl:3"), kNone);
  EXPECT_EQ(matcher.match("config:"), kNone);
  EXPECT_EQ(matcher.match("confi"), kNone);
  EXPECT_EQ(matcher.patternCount(), 3u);
}

TEST(MatcherTest, ExactAndGlobRespectPriority) {
  Matcher glob_first(Patterns{{"a*"}, {"abc"}});
  EXPECT_EQ(glob_first.match("abc"), 0u);
  Matcher exact_first(Patterns{{"abc"}, {"a*"}});
  EXPECT_EQ(exact_first.match("abc"), 0u);
  EXPECT_EQ(exact_first.match("abd"), 1u);
  Matcher mixed(Patterns{{"x"}, {"abc*"}, {"abc"}});
  EXPECT_EQ(mixed.match("abc"), 1u);
}

TEST(MatcherTest, DuplicatePatternsKeepTheFirstCache) {
  Matcher matcher(Patterns{{"dup*", "same"}, {"dup*", "same"}});
  EXPECT_EQ(matcher.match("dup:1"), 0u);
  EXPECT_EQ(matcher.match("same"), 0u);
  EXPECT_EQ(matcher.patternCount(), 4u);
}

TEST(MatcherTest, RootPatterns) {
  Matcher matcher(Patterns{{"foo:*"}, {"?x*"}, {"*"}});
  EXPECT_EQ(matcher.match("foo:1"), 0u);
  EXPECT_EQ(matcher.match("ax"), 1u);
  EXPECT_EQ(matcher.match("axyz"), 1u);
  EXPECT_EQ(matcher.match("x"), 2u);
  EXPECT_EQ(matcher.match("bar"), 2u);
  EXPECT_EQ(matcher.match(""), 2u);
}

TEST(MatcherTest, RootPatternWithSuffix) {
  Matcher matcher(Patterns{{"*:bans:*"}, {"misago:*"}});
  EXPECT_EQ(matcher.match("misago:bans:1"), 0u);
  EXPECT_EQ(matcher.match("misago:acl:1"), 1u);
  EXPECT_EQ(matcher.match("other:acl:1"), kNone);
}

TEST(MatcherTest, KeyShorterThanOrEqualToLiteralPrefix) {
  Matcher matcher(Patterns{{"abcdef*"}, {"abc?"}});
  EXPECT_EQ(matcher.match("abc"), kNone);
  EXPECT_EQ(matcher.match("abcd"), 1u);
  EXPECT_EQ(matcher.match("abcdef"), 0u);
}

TEST(MatcherTest, CachesWithoutPatternsKeepTheirIds) {
  Matcher matcher(Patterns{{}, {"a*"}, {}});
  EXPECT_EQ(matcher.match("a1"), 1u);
  EXPECT_EQ(matcher.cacheCount(), 3u);
  EXPECT_EQ(matcher.patternCount(), 1u);
}

TEST(MatcherTest, BinaryBytesInPrefixes) {
  // Edges are sorted as unsigned bytes; 0xff and 0x00 must both be found.
  Matcher matcher(Patterns{{std::string("\xff*")}, {std::string("\x01*")}, {std::string("\x00?", 2)}});
  EXPECT_EQ(matcher.match("\xff\x10"), 0u);
  EXPECT_EQ(matcher.match("\x01"), 1u);
  EXPECT_EQ(matcher.match(std::string("\x00z", 2)), 2u);
  EXPECT_EQ(matcher.match(std::string("\x00", 1)), kNone);
  EXPECT_EQ(matcher.match("\x7f"), kNone);
}

TEST(MatcherTest, EmptyPatternMatchesOnlyTheEmptyKey) {
  Matcher matcher(Patterns{{""}});
  EXPECT_EQ(matcher.match(""), 0u);
  EXPECT_EQ(matcher.match("a"), kNone);
}

// Random patterns over a small alphabet so that keys often match several
// caches; a mix of exact, prefix-indexed and root patterns.
class PatternGenerator {
 public:
  explicit PatternGenerator(uint64_t seed) : rng_(seed) {}

  std::string literal(size_t min_len, size_t max_len) {
    std::string s(min_len + rng_() % (max_len - min_len + 1), ' ');
    for (char& c : s) {
      c = kBytes[rng_() % kBytes.size()];
    }
    return s;
  }

  std::string pattern() {
    unsigned kind = rng_() % 100;
    if (kind < 25) {
      return literal(1, 8);
    }
    std::string p = kind < 97 ? literal(2, 7) : std::string();
    p.push_back(rng_() % 3 == 0 ? '?' : '*');
    size_t tail = rng_() % 5 + (p.size() == 1 ? 4 : 0);  // root patterns need some literals
    for (size_t i = 0; i < tail; ++i) {
      unsigned r = rng_() % 6;
      p.push_back(r == 0 ? '*' : r == 1 ? '?' : kBytes[rng_() % kBytes.size()]);
    }
    return p;
  }

  // A key matched by `pattern` (wildcards filled in randomly).
  std::string instantiate(std::string_view pattern) {
    std::string key;
    for (char c : pattern) {
      if (c == '*') {
        key += literal(0, 3);
      } else if (c == '?') {
        key += literal(1, 1);
      } else {
        key.push_back(c);
      }
    }
    return key;
  }

  size_t below(size_t n) { return rng_() % n; }

 private:
  static constexpr std::string_view kBytes = "abcdef:\xff";
  std::mt19937_64 rng_;
};

TEST(MatcherTest, TenThousandPatternsAgreeWithBruteForce) {
  PatternGenerator gen(20241121);
  Patterns caches(2000);
  std::vector<std::string> all;
  for (auto& patterns : caches) {
    for (int i = 0; i < 5; ++i) {
      patterns.push_back(gen.pattern());
      all.push_back(patterns.back());
    }
  }
  Matcher matcher(caches);
  ASSERT_EQ(matcher.patternCount(), 10000u);

  std::set<uint32_t> answers;
  int unmatched = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string key = i % 3 != 0 ? gen.instantiate(all[gen.below(all.size())]) : gen.literal(0, 10);
    uint32_t expected = bruteForceMatch(caches, key);
    ASSERT_EQ(matcher.match(key), expected) << "key=" << key;
    answers.insert(expected);
    unmatched += expected == kNone;
  }
  // Guard against a generator that makes the comparison trivial.
  EXPECT_GT(answers.size(), 200u);
  EXPECT_GT(unmatched, 50);
}

}  // namespace
}  // namespace vcproxy::route
