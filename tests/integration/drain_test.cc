// SIGTERM: vcproxy stops accepting, keeps serving the connections that are open (the application
// is shutting down too), and exits once they are closed or the grace period has passed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

std::string config(uint16_t port, const std::string& backend, int grace_ms) {
  return "workers: 2\nshutdown_grace_ms: " + std::to_string(grace_ms) +
         "\nlisteners:\n  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:" + std::to_string(port) +
         "\n    backends: [" + backend + "]\ncaches:\n  - name: all\n    patterns: [\"*\"]\n";
}

using DrainTest = MemcacheProxyTest;

TEST_F(DrainTest, OpenConnectionsAreServedUntilTheyClose) {
  if (directMode()) GTEST_SKIP() << "needs the proxy";
  const uint16_t port = freePort();
  ProxyProcess proxy(proxyBinary(), config(port, backend().address(), 20000), port);
  ASSERT_TRUE(proxy.start());
  TextClient client(port);
  ASSERT_TRUE(client.send("set k 0 0 1\r\nx\r\n"));
  ASSERT_EQ(client.readLine(), "STORED");

  ASSERT_TRUE(proxy.process()->kill(SIGTERM));
  // No new connections...
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    std::string error;
    const int fd = connectLoopback(port, &error);
    refused = fd < 0;
    if (fd >= 0) ::close(fd);
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused) << "the listener should close on SIGTERM";
  // ...but the open one is still served, for as long as the application keeps it.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send("get k\r\n"));
    EXPECT_EQ(client.readUntil("END\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(proxy.process()->running());
  const auto closed_at = std::chrono::steady_clock::now();
  client.close();
  const auto status = proxy.process()->wait(5s);
  ASSERT_TRUE(status.has_value()) << "vcproxy should exit once its last client closed";
  EXPECT_TRUE(status->ok()) << status->describe();
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 1s);
}

TEST_F(DrainTest, IdleConnectionsDoNotHoldItPastTheGracePeriod) {
  if (directMode()) GTEST_SKIP() << "needs the proxy";
  const uint16_t port = freePort();
  ProxyProcess proxy(proxyBinary(), config(port, backend().address(), 500), port);
  ASSERT_TRUE(proxy.start());
  TextClient idle(port);
  ASSERT_TRUE(idle.send("version\r\n"));
  ASSERT_TRUE(idle.readLine().ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(proxy.process()->kill(SIGTERM));
  const auto status = proxy.process()->wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->ok()) << status->describe();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(idle.expectClosed());
}

}  // namespace
}  // namespace vcproxy::test
