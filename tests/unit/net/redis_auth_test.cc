#include "proxy/net/redis_auth.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace vcproxy::net {
namespace {

using Args = std::vector<std::string_view>;

TEST(RedisAuth, Replies) {
  bool ok = false;
  EXPECT_EQ(authReply(Args{"AUTH", "pw"}, "pw", ok), "+OK\r\n");
  EXPECT_TRUE(ok);
  EXPECT_EQ(authReply(Args{"auth", "default", "pw"}, "pw", ok), "+OK\r\n");
  EXPECT_TRUE(ok);
  EXPECT_EQ(authReply(Args{"AUTH", "someone", "pw"}, "pw", ok), kWrongPassReply);
  EXPECT_FALSE(ok);
  EXPECT_EQ(authReply(Args{"AUTH", "p"}, "pw", ok), kWrongPassReply);
  EXPECT_EQ(authReply(Args{"AUTH", "pwx"}, "pw", ok), kWrongPassReply);
  EXPECT_EQ(authReply(Args{"AUTH", ""}, "pw", ok), kWrongPassReply);
  EXPECT_EQ(authReply(Args{"AUTH"}, "pw", ok), "-ERR wrong number of arguments for 'auth' command\r\n");
  EXPECT_EQ(authReply(Args{"AUTH", "a", "b", "c"}, "pw", ok), "-ERR syntax error\r\n");
  EXPECT_FALSE(ok);
}

TEST(RedisAuth, SamePassword) {
  EXPECT_TRUE(samePassword("secret", "secret"));
  EXPECT_FALSE(samePassword("secreT", "secret"));
  EXPECT_FALSE(samePassword("secret", "secret2"));
  EXPECT_FALSE(samePassword("", "x"));
  EXPECT_FALSE(samePassword(std::string_view("a\0b", 3), "a"));
}

TEST(RedisAuth, HelloAuthPosition) {
  EXPECT_EQ(helloAuthAt(Args{"HELLO", "3", "AUTH", "u", "p"}), 2u);
  EXPECT_EQ(helloAuthAt(Args{"HELLO", "3", "SETNAME", "AUTH", "AUTH", "u", "p"}), 4u);
  EXPECT_EQ(helloAuthAt(Args{"HELLO", "3", "AUTH", "u"}), 0u);  // incomplete: Redis refuses it
  EXPECT_EQ(helloAuthAt(Args{"HELLO", "3"}), 0u);
  EXPECT_EQ(helloAuthAt(Args{"HELLO"}), 0u);
}

}  // namespace
}  // namespace vcproxy::net
