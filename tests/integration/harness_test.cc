// Checks of the harness itself, so a broken helper cannot make the proxy tests pass vacuously.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

TEST(HarnessTest, ParsesVersionedKeys) {
  auto key = parseVersionedKey("~vc:it:all:Ab3dE6g8:user:1:x");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->name_space, "it");
  EXPECT_EQ(key->cache, "all");
  EXPECT_EQ(key->version, "Ab3dE6g8");
  EXPECT_EQ(key->original, "user:1:x");
  EXPECT_TRUE(parseVersionedKey("~vc::all:Ab3dE6g8:k"));  // empty namespace
  EXPECT_FALSE(parseVersionedKey("~vc:it:all:short:k"));
  EXPECT_FALSE(parseVersionedKey("~vc:it:all:Ab3dE6g!:k"));
  EXPECT_FALSE(parseVersionedKey("user:1"));
}

TEST(HarnessTest, UrlDecodesMetadumpKeys) {
  EXPECT_EQ(urlDecode("~vc%3Ait%3Aall%3AAb3dE6g8%3Auser%3A1"), "~vc:it:all:Ab3dE6g8:user:1");
  EXPECT_EQ(urlDecode("a%2"), "a%2");
  EXPECT_EQ(urlDecode("%7e%41"), "~A");
}

TEST(HarnessTest, DumpsKeysStoredInMemcached) {
  MemcachedServer server;
  TextClient client(server.port());
  ASSERT_TRUE(client.send("set a:b 0 0 1\r\nx\r\nset c%d 0 0 1\r\ny\r\n"));
  EXPECT_EQ(client.readLine(), "STORED");
  EXPECT_EQ(client.readLine(), "STORED");
  KeyDump dump = dumpMemcachedKeys(server.port());
  ASSERT_TRUE(dump.ok()) << dump.error;
  std::sort(dump.keys.begin(), dump.keys.end());
  EXPECT_EQ(dump.keys, (std::vector<std::string>{"a:b", "c%d"}));
}

TEST(HarnessTest, ReadsTimeOutInsteadOfHanging) {
  MemcachedServer server;
  TextClient client(server.port(), std::chrono::milliseconds(200));
  ReadResult line = client.readLine();
  EXPECT_FALSE(line.ok());
  EXPECT_FALSE(line == "");
  EXPECT_FALSE(client.expectClosed());
  ASSERT_TRUE(client.send("quit\r\n"));
  EXPECT_TRUE(client.expectClosed());
}

TEST(HarnessTest, ServerRestartsOnTheSamePort) {
  MemcachedServer server;
  uint16_t port = server.port();
  server.stop();
  EXPECT_FALSE(server.running());
  server.restart();
  EXPECT_EQ(server.port(), port);
  TextClient client(port);
  ASSERT_TRUE(client.send("version\r\n"));
  ReadResult reply = client.readLine();
  EXPECT_TRUE(reply.ok() && reply.data.starts_with("VERSION ")) << testing::PrintToString(reply);
}

TEST(HarnessTest, ProcessReportsExitAndSignal) {
  Process ok({"true"});
  auto status = ok.wait(std::chrono::seconds(5));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->ok());
  Process sleeper({"sleep", "30"});
  EXPECT_TRUE(sleeper.pause());
  EXPECT_TRUE(sleeper.resume());
  EXPECT_FALSE(sleeper.wait(std::chrono::milliseconds(20)));
  ExitStatus killed = sleeper.stop();
  EXPECT_FALSE(killed.exited);
  EXPECT_EQ(killed.signal, SIGTERM);
  EXPECT_THROW(Process({"/nonexistent/vcproxy-test-binary"}), std::runtime_error);
}

TEST(HarnessTest, RedisServerStarts) {
  RedisServer server;
  TextClient client(server.port());
  ASSERT_TRUE(client.send("PING\r\n"));
  EXPECT_EQ(client.readLine(), "+PONG");
}

}  // namespace
}  // namespace vcproxy::test
