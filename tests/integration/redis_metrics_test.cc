// Per-cache counters on the Redis path (GET /metrics): keys read by GET/GETEX/GETDEL/MGET and
// whether they were found, keys written by the SET family and MSET, each under its own cache.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

class RedisMetricsTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy({{"users", {"user:*"}}, {"items", {"item:*"}}}));
  }

  // reads, hits, misses, sets of one cache, as /metrics reports them.
  std::map<std::string, double> countersOf(const std::string& cache) {
    const AdminReply reply = adminGet(adminPort(), "/metrics");
    EXPECT_EQ(reply.status, 200) << reply.describe();
    std::map<std::string, double> out;
    for (const std::string kind : {"reads", "hits", "misses", "sets"}) {
      const std::string series = "vcproxy_cache_" + kind + "_total{cache=\"" + cache + "\"}";
      const size_t at = reply.body.find("\n" + series + " ");
      out[kind] = at == std::string::npos ? -1 : std::stod(reply.body.substr(at + series.size() + 2));
    }
    return out;
  }
};

TEST_F(RedisMetricsTest, ReadsHitsMissesSetsPerCache) {
  RespClient c(proxyPort());
  EXPECT_EQ(c.call({"SET", "user:1", "a"}).describe(), "OK");
  EXPECT_EQ(c.call({"SETEX", "user:2", "100", "b"}).describe(), "OK");
  EXPECT_EQ(c.call({"MSET", "item:1", "x", "user:3", "c", "plain", "p"}).describe(), "OK");
  EXPECT_EQ(c.call({"GET", "user:1"}).describe(), "\"a\"");          // users: hit
  EXPECT_EQ(c.call({"GET", "user:9"}).describe(), "(nil)");          // users: miss
  EXPECT_EQ(c.call({"GETDEL", "user:2"}).describe(), "\"b\"");       // users: hit
  EXPECT_EQ(c.call({"MGET", "user:3", "item:1", "item:2", "plain"}).describe(),
            "[\"c\", \"x\", (nil), \"p\"]");                       // users hit; items hit, miss
  EXPECT_EQ(c.call({"HSET", "user:h", "f", "v"}).describe(), "(integer) 1");  // not counted
  EXPECT_EQ(c.call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(c.call({"GET", "user:1"}).describe(), "QUEUED");         // inside MULTI: not counted
  EXPECT_EQ(c.call({"EXEC"}).describe(), "[\"a\"]");
  // Counters are per worker and read by the admin thread: wait until they show.
  const std::map<std::string, double> users_want{{"reads", 4}, {"hits", 3}, {"misses", 1}, {"sets", 3}};
  const std::map<std::string, double> items_want{{"reads", 2}, {"hits", 1}, {"misses", 1}, {"sets", 1}};
  std::map<std::string, double> users, items;
  pollUntil(2000ms, [&] {
    users = countersOf("users");
    items = countersOf("items");
    return users == users_want && items == items_want;
  }, 10ms);
  EXPECT_EQ(users, users_want);
  EXPECT_EQ(items, items_want);
}

}  // namespace
}  // namespace vcproxy::test
