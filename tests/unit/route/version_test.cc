#include "proxy/route/version.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace vcproxy::route {
namespace {

TEST(VersionTest, NewVersionHasLengthAndCharset) {
  for (int i = 0; i < 1000; ++i) {
    std::string version = newVersion();
    ASSERT_EQ(version.size(), kVersionLength);
    ASSERT_TRUE(isValidVersion(version)) << version;
  }
}

TEST(VersionTest, NewVersionsAreDistinct) {
  // 62^8 ~ 2.2e14 values: a repeat among 10,000 has probability ~2e-7.
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    seen.insert(newVersion());
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(VersionTest, CharactersAreRoughlyUniform) {
  // 160,000 characters over 62 symbols, chi-square with 61 degrees of freedom:
  // mean 61, sd 11. A bound of 150 fails a fair generator with p < 1e-9, but a
  // plain `byte % 62` (no rejection) scores about 1000.
  constexpr int kVersions = 20000;
  std::array<int, 256> counts{};
  for (int i = 0; i < kVersions; ++i) {
    for (char c : newVersion()) {
      ++counts[static_cast<unsigned char>(c)];
    }
  }
  const double expected = double(kVersions) * kVersionLength / kVersionAlphabet.size();
  double chi_square = 0;
  for (char symbol : kVersionAlphabet) {
    int seen = counts[static_cast<unsigned char>(symbol)];
    EXPECT_GT(seen, 0) << "symbol never drawn: " << symbol;
    chi_square += (seen - expected) * (seen - expected) / expected;
  }
  EXPECT_LT(chi_square, 150.0);
}

TEST(VersionTest, AlphabetIsTheSixtyTwoAlphanumerics) {
  EXPECT_EQ(kVersionAlphabet.size(), 62u);
  std::set<char> distinct(kVersionAlphabet.begin(), kVersionAlphabet.end());
  EXPECT_EQ(distinct.size(), 62u);
}

TEST(VersionTest, IsValidVersion) {
  EXPECT_TRUE(isValidVersion("Ab3dE9xZ"));
  EXPECT_TRUE(isValidVersion("00000000"));
  EXPECT_TRUE(isValidVersion("zzzzZZZZ"));
  EXPECT_FALSE(isValidVersion(""));
  EXPECT_FALSE(isValidVersion("Ab3dE9x"));
  EXPECT_FALSE(isValidVersion("Ab3dE9xZZ"));
  EXPECT_FALSE(isValidVersion("Ab3dE9x!"));
  EXPECT_FALSE(isValidVersion("Ab3dE9x "));
  EXPECT_FALSE(isValidVersion("Ab3d:9xZ"));
  EXPECT_FALSE(isValidVersion("Ab3dE9\xc3\xa9"));
  EXPECT_FALSE(isValidVersion(std::string("Ab3dE9x\0", 8)));
}

TEST(VersionTest, ModeNamesRoundTrip) {
  for (CacheMode mode : {CacheMode::kNormal, CacheMode::kBypass, CacheMode::kWriteOnly}) {
    EXPECT_EQ(parseMode(modeName(mode)), mode);
  }
  EXPECT_EQ(modeName(CacheMode::kNormal), "normal");
  EXPECT_EQ(modeName(CacheMode::kBypass), "bypass");
  EXPECT_EQ(modeName(CacheMode::kWriteOnly), "write-only");
}

TEST(VersionTest, ParseModeRejectsUnknownNames) {
  EXPECT_FALSE(parseMode(""));
  EXPECT_FALSE(parseMode("Normal"));
  EXPECT_FALSE(parseMode("writeonly"));
  EXPECT_FALSE(parseMode("write_only"));
  EXPECT_FALSE(parseMode("bypass "));
}

}  // namespace
}  // namespace vcproxy::route
