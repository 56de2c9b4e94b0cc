// CRC16/XMODEM and the key → slot function, against what `CLUSTER KEYSLOT` answers on
// redis-server 7.0.15 (values taken from a live node), and the hash-tag rule of the cluster spec.
#include <gtest/gtest.h>

#include <array>

#include "proxy/codec/redis_slot.h"

namespace vcproxy::codec {
namespace {

TEST(RedisSlot, Crc16XmodemCheckValue) {
  EXPECT_EQ(crc16Xmodem("123456789"), 0x31C3);  // the catalogued check value of CRC-16/XMODEM
  EXPECT_EQ(crc16Xmodem(""), 0);
}

TEST(RedisSlot, MatchesClusterKeyslot) {
  struct Case {
    std::string_view key;
    uint16_t slot;
  };
  constexpr std::array<Case, 12> kCases{{
      {"foo", 12182},
      {"bar", 5061},
      {"hello", 866},
      {"123456789", 12739},
      {"user1000", 3443},
      {"{user1000}.following", 3443},  // the example of the cluster specification
      {"{}x", 10595},                  // an empty tag: the whole key
      {"a{}{b}", 15033},               // the first '{' has an empty tag: the whole key
      {"{a", 10276},                   // no closing brace: the whole key
      {"x{y}z", 12222},
      {"user42", 14710},
      {"~vc:it:all:ABCDEFGH:{user42}:a", 14710},  // a versioned key keeps its tag's slot
  }};
  for (const Case& c : kCases) EXPECT_EQ(redisKeySlot(c.key), c.slot) << c.key;
}

TEST(RedisSlot, HashTag) {
  EXPECT_EQ(redisHashTag("{user42}:a"), "user42");
  EXPECT_EQ(redisHashTag("a{b}{c}"), "b");
  EXPECT_EQ(redisHashTag("a}{b}"), "b");
  EXPECT_EQ(redisHashTag("{}b"), "{}b");
  EXPECT_EQ(redisHashTag("{"), "{");
  EXPECT_EQ(redisHashTag("plain"), "plain");
}

TEST(RedisSlot, AlwaysBelow16384) {
  std::string key;
  for (int i = 0; i < 5000; ++i) {
    key = "k" + std::to_string(i * 7919);
    EXPECT_LT(redisKeySlot(key), kRedisClusterSlots);
  }
}

}  // namespace
}  // namespace vcproxy::codec
