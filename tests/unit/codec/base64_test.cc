// Base64 as memcached's meta `b` flag uses it: RFC 4648 vectors, round trips of every byte,
// invalid input refused.
#include "proxy/codec/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vcproxy::codec {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    std::string out;
    base64Encode(plain, out);
    EXPECT_EQ(out, encoded);
    std::string back;
    ASSERT_TRUE(base64Decode(encoded, back)) << encoded;
    EXPECT_EQ(back, plain);
  }
  std::string empty;
  base64Encode("", empty);
  EXPECT_EQ(empty, "");
}

TEST(Base64Test, UsesTheStandardAlphabet) {
  std::string out;
  base64Encode("\xfb\xff\xbf", out);
  EXPECT_EQ(out, "+/+/");
  std::string back;
  ASSERT_TRUE(base64Decode("+/+/", back));
  EXPECT_EQ(back, "\xfb\xff\xbf");
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::mt19937 rng(42);
  for (size_t length = 1; length <= 80; ++length) {
    for (int trial = 0; trial < 20; ++trial) {
      std::string plain;
      for (size_t i = 0; i < length; ++i) plain.push_back(static_cast<char>(rng() & 0xff));
      std::string encoded;
      base64Encode(plain, encoded);
      ASSERT_EQ(encoded.size(), 4 * ((length + 2) / 3));
      std::string back;
      ASSERT_TRUE(base64Decode(encoded, back)) << encoded;
      ASSERT_EQ(back, plain);
    }
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string encoded;
  base64Encode(all, encoded);
  std::string back;
  ASSERT_TRUE(base64Decode(encoded, back));
  EXPECT_EQ(back, all);
}

TEST(Base64Test, AppendsToTheOutput) {
  std::string out = "x";
  base64Encode("f", out);
  EXPECT_EQ(out, "xZg==");
  ASSERT_TRUE(base64Decode("Zm8=", out));
  EXPECT_EQ(out, "xZg==fo");
}

TEST(Base64Test, InvalidInputIsRefused) {
  for (const std::string& bad : std::vector<std::string>{"Z", "Zg", "Zg=", "Zm9vY", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm9v!A==",
                                "Zm 9", "Zm9\n", "Zm9-", "Zm9_", "Zg=A", std::string("Zm9\0", 4), "\xc3\xa9Zg"}) {
    std::string out;
    EXPECT_FALSE(base64Decode(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace vcproxy::codec
