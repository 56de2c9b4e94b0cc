// Only keys matching a cache pattern are versioned; other keys pass through untouched, and both
// kinds read back through the proxy under the key the client used.
#include <gtest/gtest.h>

#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using PassThroughTest = MemcacheProxyTest;

TEST_F(PassThroughTest, OnlyMatchingKeysAreVersionedAndBothReadBack) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"users", {"user:*"}}}));
  TextClient client(proxyPort());

  ASSERT_TRUE(client.send("set user:1 5 0 5\r\nalice\r\nset other:1 7 0 3\r\nbob\r\n"));
  EXPECT_EQ(client.readLine(), "STORED");
  EXPECT_EQ(client.readLine(), "STORED");

  ASSERT_TRUE(client.send("get user:1\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE user:1 5 5\r\nalice\r\nEND\r\n");
  ASSERT_TRUE(client.send("get other:1\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE other:1 7 3\r\nbob\r\nEND\r\n");

  // One multi-key get mixing both kinds (and a miss): order and original keys are kept.
  ASSERT_TRUE(client.send("get other:1 user:2 user:1\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE other:1 7 3\r\nbob\r\nVALUE user:1 5 5\r\nalice\r\nEND\r\n");

  // gets carries a cas token after the length; the key is still the client's.
  ASSERT_TRUE(client.send("gets user:1\r\n"));
  ReadResult header = client.readLine();
  EXPECT_TRUE(header.ok() && header.data.starts_with("VALUE user:1 5 5 ")) << testing::PrintToString(header);
  EXPECT_EQ(client.readUntil("END\r\n"), "alice\r\nEND\r\n");

  BackendExpectation expected;
  expected.cache = "users";
  expected.versioned = {"user:1"};
  expected.raw = {"other:1"};
  expectBackendKeys(expected);
}

TEST_F(PassThroughTest, QuitClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"users", {"user:*"}}}));
  TextClient client(proxyPort());
  ASSERT_TRUE(client.send("set user:q 0 0 1\r\nq\r\nquit\r\n"));
  EXPECT_EQ(client.readLine(), "STORED");
  EXPECT_TRUE(client.expectClosed());
}

}  // namespace
}  // namespace vcproxy::test
