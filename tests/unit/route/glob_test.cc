#include "proxy/route/glob.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

namespace vcproxy::route {
namespace {

using namespace std::string_view_literals;

// Obviously-correct (exponential) reference, only for tiny inputs.
bool referenceGlob(std::string_view p, std::string_view t) {
  if (p.empty()) {
    return t.empty();
  }
  if (p[0] == '*') {
    for (size_t skip = 0; skip <= t.size(); ++skip) {
      if (referenceGlob(p.substr(1), t.substr(skip))) {
        return true;
      }
    }
    return false;
  }
  if (t.empty()) {
    return false;
  }
  return (p[0] == '?' || p[0] == t[0]) && referenceGlob(p.substr(1), t.substr(1));
}

TEST(GlobTest, EmptyPatternMatchesOnlyEmptyText) {
  EXPECT_TRUE(globMatch("", ""));
  EXPECT_FALSE(globMatch("", "a"));
  EXPECT_FALSE(globMatch("a", ""));
}

TEST(GlobTest, StarAloneMatchesEverything) {
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("*", "a"));
  EXPECT_TRUE(globMatch("*", "misago:bans:1"));
  EXPECT_TRUE(globMatch("**", ""));
  EXPECT_TRUE(globMatch("***", "xyz"));
}

TEST(GlobTest, QuestionMarkIsExactlyOneByte) {
  EXPECT_FALSE(globMatch("?", ""));
  EXPECT_TRUE(globMatch("?", "a"));
  EXPECT_FALSE(globMatch("?", "ab"));
  EXPECT_TRUE(globMatch("a?c", "abc"));
  EXPECT_FALSE(globMatch("a?c", "ac"));
  EXPECT_FALSE(globMatch("a?c", "abbc"));
  EXPECT_TRUE(globMatch("??", "xy"));
  EXPECT_TRUE(globMatch("?*", "x"));
  EXPECT_FALSE(globMatch("?*", ""));
}

TEST(GlobTest, LiteralsMustMatchWholeText) {
  EXPECT_TRUE(globMatch("acl:1", "acl:1"));
  EXPECT_FALSE(globMatch("acl:1", "acl:12"));
  EXPECT_FALSE(globMatch("acl:12", "acl:1"));
  EXPECT_FALSE(globMatch("acl:*", "acl"));
  EXPECT_TRUE(globMatch("acl:*", "acl:"));
}

TEST(GlobTest, MultipleStars) {
  EXPECT_TRUE(globMatch("*:bans:*", "misago:bans:1"));
  EXPECT_TRUE(globMatch("*:bans:*", ":bans:"));
  EXPECT_FALSE(globMatch("*:bans:*", "misago:ban:1"));
  EXPECT_TRUE(globMatch("a*b*c*d", "abcd"));
  EXPECT_TRUE(globMatch("a**b", "ab"));
}

TEST(GlobTest, BacktracksToTheLastStar) {
  EXPECT_TRUE(globMatch("a*b*c", "aXbYbZc"));
  EXPECT_TRUE(globMatch("a*bc", "abcbc"));
  EXPECT_TRUE(globMatch("*ab", "aab"));
  EXPECT_TRUE(globMatch("*aab", "aaab"));
  EXPECT_TRUE(globMatch("a*?b", "aXYb"));
  EXPECT_TRUE(globMatch("*a?c*", "xxabxabcxx"));
}

TEST(GlobTest, NoMatchAtTheEnd) {
  EXPECT_FALSE(globMatch("a*b*c", "aXbYbZ"));
  EXPECT_FALSE(globMatch("a*b*c", "aXbYbZcd"));
  EXPECT_FALSE(globMatch("*x", "abc"));
  EXPECT_FALSE(globMatch("a*", "b"));
}

TEST(GlobTest, SpecialBytesInTextAreLiterals) {
  // Wildcards in the text are plain bytes; only the pattern's are special.
  EXPECT_TRUE(globMatch("a?c", "a*c"));
  EXPECT_TRUE(globMatch("a*", "a*"));
  EXPECT_TRUE(globMatch("*a", "*ba"));
  EXPECT_FALSE(globMatch("a*c", "a*"));
  // No escapes and no classes.
  EXPECT_TRUE(globMatch("[a]", "[a]"));
  EXPECT_FALSE(globMatch("[a]", "a"));
  EXPECT_TRUE(globMatch("\\x", "\\x"));
  EXPECT_FALSE(globMatch("\\*", "*"));
  EXPECT_TRUE(globMatch("\\*", "\\anything"));
}

TEST(GlobTest, BinaryBytes) {
  const std::string pattern("\x00\xff*\x80?", 5);
  EXPECT_TRUE(globMatch(pattern, std::string("\x00\xffzz\x80\x01", 6)));
  EXPECT_TRUE(globMatch(pattern, std::string("\x00\xff\x80\x00", 4)));
  EXPECT_FALSE(globMatch(pattern, std::string("\x00\xfe\x80\x00", 4)));
  EXPECT_FALSE(globMatch(pattern, std::string("\x00\xff\x80", 3)));
  EXPECT_TRUE(globMatch("?"sv, "\0"sv));
}

TEST(GlobTest, PathologicalPatternTerminates) {
  // Exponential for naive recursion; the iterative matcher is quadratic at worst.
  const std::string text(2000, 'a');
  EXPECT_FALSE(globMatch("a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(globMatch("a*a*a*a*a*a*a*a*a*a*a", text));
}

TEST(GlobTest, AgreesWithReferenceOnRandomInputs) {
  std::mt19937 rng(424242);
  const std::string_view pattern_bytes = "ab*?";
  const std::string_view text_bytes = "ab*";
  int matches = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string pattern(rng() % 8, ' ');
    for (char& c : pattern) {
      c = pattern_bytes[rng() % pattern_bytes.size()];
    }
    std::string text(rng() % 10, ' ');
    for (char& c : text) {
      c = text_bytes[rng() % text_bytes.size()];
    }
    bool expected = referenceGlob(pattern, text);
    ASSERT_EQ(globMatch(pattern, text), expected) << "pattern=" << pattern << " text=" << text;
    matches += expected;
  }
  // The inputs must exercise both outcomes for the comparison to mean anything.
  EXPECT_GT(matches, 1000);
  EXPECT_LT(matches, 19000);
}

TEST(GlobTest, PatternHelpers) {
  EXPECT_FALSE(hasWildcard("acl:1"));
  EXPECT_TRUE(hasWildcard("acl:*"));
  EXPECT_TRUE(hasWildcard("?"));
  EXPECT_EQ(literalPrefix("misago:bans:*"), "misago:bans:");
  EXPECT_EQ(literalPrefix("ab?c*"), "ab");
  EXPECT_EQ(literalPrefix("*x"), "");
  EXPECT_EQ(literalPrefix("plain"), "plain");
  EXPECT_EQ(minMatchLength("a*b?*"), 3u);
  EXPECT_EQ(minMatchLength("**"), 0u);
}

}  // namespace
}  // namespace vcproxy::route
