// The Redis behind vcproxy goes away: every command gets a prompt `-ERR backend ...` (no hang,
// no dropped reply), on shared and pinned connections alike; once Redis is back, commands work
// again within 2 s, on the same client connections and on new ones.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using Clock = std::chrono::steady_clock;

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

bool isBackendError(const RespReply& reply) {
  return reply.ok() && reply.value.type == '-' && reply.value.text.starts_with("ERR backend ");
}

class RedisBackendDownTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  // `command` on `client` answers with a backend error within 2 s (timeout_ms is 1000).
  void expectPromptBackendError(RespClient& client, const std::vector<std::string>& command, const char* who) {
    const auto start = Clock::now();
    const RespReply reply = client.call(command);
    const long long took = msSince(start);
    EXPECT_TRUE(isBackendError(reply)) << who << ": " << respCommand(command) << " -> " << reply.describe();
    EXPECT_LT(took, 2000) << who << ": the backend error took " << took << " ms";
  }
};

TEST_F(RedisBackendDownTest, PromptErrorThenRecovery) {
  RespClient shared(proxyPort(), std::chrono::seconds(5));
  RespClient pinned(proxyPort(), std::chrono::seconds(5));
  EXPECT_EQ(shared.call({"SET", "k", "v"}).describe(), "OK");
  EXPECT_EQ(pinned.call({"CLIENT", "SETNAME", "pinned"}).describe(), "OK");
  EXPECT_EQ(pinned.call({"GET", "k"}).describe(), "\"v\"");

  backend().stop();
  ASSERT_FALSE(backend().running());

  expectPromptBackendError(shared, {"GET", "k"}, "shared-connection client");
  expectPromptBackendError(shared, {"SET", "k", "w"}, "shared-connection client, again");
  expectPromptBackendError(pinned, {"GET", "k"}, "pinned client");
  {
    RespClient fresh(proxyPort(), std::chrono::seconds(5));
    expectPromptBackendError(fresh, {"GET", "k"}, "new client");
  }
  {
    RespClient newly_pinned(proxyPort(), std::chrono::seconds(5));
    expectPromptBackendError(newly_pinned, {"BLPOP", "q", "5"}, "new client with a blocking command");
  }
  // A pipeline: one answer per command, in order.
  TextClient pipeline(proxyPort(), std::chrono::seconds(5));
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += respCommand({"GET", "k" + std::to_string(i)});
  const auto start = Clock::now();
  ASSERT_TRUE(pipeline.send(batch));
  for (int i = 0; i < 20; ++i) {
    const ReadResult line = pipeline.readLine();
    ASSERT_TRUE(line.ok()) << "reply " << i << ": " << line.error;
    EXPECT_TRUE(line.data.starts_with("-ERR backend ")) << "reply " << i << ": " << line.data;
  }
  EXPECT_LT(msSince(start), 3000);

  backend().restart();
  const auto restarted = Clock::now();
  bool fresh_ok = false;
  while (msSince(restarted) < 2000 && !fresh_ok) {
    RespClient fresh(proxyPort(), std::chrono::seconds(2));
    fresh_ok = fresh.call({"SET", "k2", "v2"}).describe() == "OK" && fresh.call({"GET", "k2"}).describe() == "\"v2\"";
    if (!fresh_ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(fresh_ok) << "a new client still fails 2 s after Redis came back";
  for (RespClient* client : {&shared, &pinned}) {
    const char* who = client == &shared ? "shared-connection client" : "pinned client";
    bool ok = false;
    RespReply last;
    // The restarted Redis lost the version store too: the caches get new versions (an
    // invalidation) once vcproxy notices, so a key set just before may miss; set it again then.
    while (msSince(restarted) < 2500 && !ok) {
      last = client->call({"SET", "k3", "v3"});
      if (last.describe() == "OK") last = client->call({"GET", "k3"});
      ok = last.describe() == "\"v3\"";
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(ok) << who << " still fails after Redis came back: " << last.describe();
  }
  expectNoUnversionedKeys({"all"});
}

// Redis stopped while a client waits in BLPOP on its own connection: the client gets an answer
// (an error), not a hang.
TEST_F(RedisBackendDownTest, BlockedClientAnsweredWhenRedisGoes) {
  RespClient blocked(proxyPort(), std::chrono::seconds(5));
  ASSERT_TRUE(blocked.send({"BLPOP", "never", "30"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = Clock::now();
  backend().stop();
  const RespReply reply = blocked.read();
  EXPECT_TRUE(isBackendError(reply)) << "BLPOP never 30 while Redis stops -> " << reply.describe();
  EXPECT_LT(msSince(start), 3000);
}

// A client kills every normal connection on the Redis (CLIENT KILL TYPE normal, which also cuts
// vcproxy's shared connections and the version store's): vcproxy reconnects, and within 2 s
// every new client is served again.
TEST_F(RedisBackendDownTest, RecoversFromClientKill) {
  RespClient killer(proxyPort());
  EXPECT_EQ(killer.call({"SET", "ck", "1"}).describe(), "OK");
  const RespReply killed = killer.call({"CLIENT", "KILL", "TYPE", "normal"});
  EXPECT_EQ(killed.value.type, ':') << killed.describe();
  const auto start = Clock::now();
  int consecutive = 0;
  while (msSince(start) < 2000 && consecutive < 10) {
    RespClient fresh(proxyPort(), std::chrono::seconds(2));
    consecutive = fresh.call({"GET", "ck"}).describe() == "\"1\"" ? consecutive + 1 : 0;
  }
  EXPECT_EQ(consecutive, 10) << "new clients still get errors 2 s after CLIENT KILL TYPE normal";
}

}  // namespace
}  // namespace vcproxy::test
