// Refused keys never reach the backend; oversized values are skipped with bounded memory; a dead,
// frozen or restarting backend costs a clear SERVER_ERROR, never a hang, and service resumes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

// The backend's own command counters, read straight from it.
std::map<std::string, std::string> backendStats(uint16_t port) {
  TextClient client(port);
  EXPECT_TRUE(client.send("stats\r\n"));
  std::map<std::string, std::string> stats;
  while (true) {
    ReadResult line = client.readLine();
    if (!line.ok() || line.data == "END") break;
    const size_t name_end = line.data.find(' ', 5);
    stats[line.data.substr(5, name_end - 5)] = line.data.substr(name_end + 1);
  }
  return stats;
}

long residentKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string field;
  while (status >> field) {
    if (field == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
  }
  return -1;
}

using FaultTest = MemcacheProxyTest;

TEST_F(FaultTest, RefusedKeysAreNeverForwarded) {
  if (directMode()) GTEST_SKIP() << "the refusals are the proxy's own";
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
  const auto before = backendStats(backend().port());
  const std::string near_limit(240, 'k');  // fits memcached's 250, not once versioned
  const std::pair<std::string, std::string> cases[] = {
      {"get a\x01" "b\r\n", "CLIENT_ERROR key contains control characters or spaces"},
      {"get a\rb\r\n", "CLIENT_ERROR key contains control characters or spaces"},
      {"set a\tb 0 0 1\r\nx\r\n", "CLIENT_ERROR key contains control characters or spaces"},
      {"mg a\x7f" "b v\r\n", "CLIENT_ERROR key contains control characters or spaces"},
      {"get ~vc:it:all:AAAAAAAA:k\r\n", "CLIENT_ERROR key starts with the reserved prefix ~vc:"},
      {"set ~vc:x 0 0 1\r\nx\r\n", "CLIENT_ERROR key starts with the reserved prefix ~vc:"},
      {"get " + near_limit + "\r\n", "CLIENT_ERROR key too long: over 250 bytes once versioned"},
      {"get ok " + near_limit + "\r\n", "CLIENT_ERROR key too long: over 250 bytes once versioned"},
  };
  TextClient client(proxyPort());
  for (const auto& [request, reply] : cases) {
    SCOPED_TRACE(request);
    ASSERT_TRUE(client.send(request));
    EXPECT_EQ(client.readLine(), reply);
  }
  // The connection is still in sync.
  ASSERT_TRUE(client.send("set fine 0 0 2\r\nok\r\nget fine\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "STORED\r\nVALUE fine 0 2\r\nok\r\nEND\r\n");

  const auto after = backendStats(backend().port());
  EXPECT_EQ(std::stoi(after.at("cmd_get")), std::stoi(before.at("cmd_get")) + 1);  // only `get fine`
  EXPECT_EQ(std::stoi(after.at("cmd_set")), std::stoi(before.at("cmd_set")) + 1);  // only `set fine`
}

TEST_F(FaultTest, OversizedValueIsSkippedWithBoundedMemory) {
  if (directMode()) GTEST_SKIP() << "needs the proxy's own max_value_bytes";
  const uint16_t port = freePort();
  const std::string yaml = "workers: 1\nlisteners:\n  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:" +
                           std::to_string(port) + "\n    backends: [" + backend().address() +
                           "]\n    max_value_bytes: 1000\ncaches:\n  - name: all\n    patterns: [\"*\"]\n";
  ProxyProcess proxy(proxyBinary(), yaml, port);
  ASSERT_TRUE(proxy.start());
  const long rss_before = residentKib(proxy.process()->pid());

  TextClient client(port);
  constexpr size_t kValue = 32 * 1024 * 1024;
  ASSERT_TRUE(client.send("set big 0 0 " + std::to_string(kValue) + "\r\n"));
  const std::string chunk(64 * 1024, 'v');
  for (size_t sent = 0; sent < kValue; sent += chunk.size()) ASSERT_TRUE(client.send(chunk));
  ASSERT_TRUE(client.send("\r\nset small 0 0 3\r\nabc\r\nget small\r\n"));
  EXPECT_EQ(client.readLine(), "SERVER_ERROR object too large for cache");
  EXPECT_EQ(client.readUntil("END\r\n"), "STORED\r\nVALUE small 0 3\r\nabc\r\nEND\r\n");

  const long rss_after = residentKib(proxy.process()->pid());
  EXPECT_LT(rss_after - rss_before, 4 * 1024) << "a refused 32 MiB value must not be buffered";
}

// Polls `get` on `client`'s own connection (so on its worker's upstream) until the proxy serves
// it again; returns how long that took.
std::chrono::milliseconds waitForService(TextClient& client, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    if (client.send("get probe\r\n") && client.readLine() == "END") break;
    std::this_thread::sleep_for(20ms);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

TEST_F(FaultTest, BackendKilledFailsFastAndServiceResumes) {
  if (directMode()) GTEST_SKIP() << "needs the proxy";
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
  TextClient client(proxyPort());
  ASSERT_TRUE(client.send("set k 0 0 1\r\nx\r\n"));
  ASSERT_EQ(client.readLine(), "STORED");

  // A request in flight when the backend dies gets an error, not silence.
  ASSERT_TRUE(backend().process()->pause());
  ASSERT_TRUE(client.send("get k\r\n"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(backend().process()->kill(SIGKILL));
  const std::string prefix = "SERVER_ERROR backend " + backend().address() + " ";
  ReadResult in_flight = client.readLine();
  ASSERT_TRUE(in_flight.ok()) << in_flight.error;
  EXPECT_EQ(in_flight.data.rfind(prefix, 0), 0u) << in_flight.data;

  // While it is down, every request is answered at once with the reason.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send("get k\r\nset k 0 0 1 noreply\r\nx\r\nmg k v\r\n"));
    ReadResult get = client.readLine();
    ReadResult mg = client.readLine();
    EXPECT_EQ(get.data.rfind(prefix, 0), 0u) << get.data << get.error;
    EXPECT_EQ(mg.data.rfind(prefix, 0), 0u) << mg.data << mg.error;
  }

  backend().restart();
  const auto took = waitForService(client, 5s);
  EXPECT_LT(took, 1s) << "service should resume by itself within the 500 ms backoff cap";
  ASSERT_TRUE(client.send("get k\r\n"));
  EXPECT_EQ(client.readLine(), "END");  // the restarted memcached is empty
}

TEST_F(FaultTest, FrozenBackendTimesOutAndRecovers) {
  if (directMode()) GTEST_SKIP() << "needs the proxy";
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
  TextClient client(proxyPort());
  ASSERT_TRUE(backend().process()->pause());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send("get k\r\n"));
  ReadResult reply = client.readLine();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply, "SERVER_ERROR backend " + backend().address() + " timed out after 1000 ms");
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 3s);
  ASSERT_TRUE(backend().process()->resume());
  EXPECT_LT(waitForService(client, 5s), 1s);
}

}  // namespace
}  // namespace vcproxy::test
