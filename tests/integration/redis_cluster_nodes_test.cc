// vcproxy in front of a real three-master Redis Cluster, seeded with node 0 only: /metrics and
// /readyz cover every node of the slot map, not just the seed; the admin DELETE follows ASK during
// a migration; redirections that name no host ("-MOVED 3999 :6381", sent by nodes configured with
// cluster-preferred-endpoint-type unknown-endpoint) are followed to the answering node's host.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "admin/admin_client.h"
#include "proxy/codec/redis_slot.h"
#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/redis_cluster_proxy_test.h"
#include "tests/integration/harness/resp_client.h"

namespace vcproxy::test {
namespace {

class RedisClusterNodesTest : public RedisClusterProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(startCluster());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  // Polls `path` until its status is `status` (5 s at most); the last reply.
  AdminReply waitForStatus(const std::string& path, int status) {
    AdminReply reply;
    for (int i = 0; i < 100; ++i) {
      reply = adminGet(proxy_->adminPort(), path);
      if (reply.status == status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return reply;
  }

  // Polls /metrics until it holds `text` (5 s at most); the last body.
  std::string waitForMetrics(const std::string& text) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      body = adminGet(proxy_->adminPort(), "/metrics").body;
      if (body.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return body;
  }

  // A hash tag whose slot node `owner` serves.
  std::string tagOn(size_t owner) {
    for (int i = 0;; ++i) {
      const std::string tag = "tag" + std::to_string(i);
      if (cluster_->ownerOf(codec::redisKeySlot(tag)) == owner) return tag;
    }
  }

  // Moves `slot` (it must hold no key) from node `from` to node `to`, as redis-cli --cluster does.
  void moveEmptySlot(uint16_t slot, size_t from, size_t to) {
    const std::string s = std::to_string(slot);
    RespClient source(cluster_->node(from).port());
    RespClient target(cluster_->node(to).port());
    ASSERT_EQ(target.call({"CLUSTER", "SETSLOT", s, "IMPORTING", cluster_->nodeId(from)}).describe(), "OK");
    ASSERT_EQ(source.call({"CLUSTER", "SETSLOT", s, "MIGRATING", cluster_->nodeId(to)}).describe(), "OK");
    for (size_t i = 0; i < cluster_->size(); ++i) {
      RespClient node(cluster_->node(i).port());
      ASSERT_EQ(node.call({"CLUSTER", "SETSLOT", s, "NODE", cluster_->nodeId(to)}).describe(), "OK") << "node " << i;
    }
  }
};

std::string connectionsLine(const std::string& address) {
  return "vcproxy_backend_connections{listener=\"redis\",backend=\"" + address + "\"} ";
}

TEST_F(RedisClusterNodesTest, MetricsAndReadinessCoverEveryNodeOfTheMap) {
  EXPECT_EQ(waitForStatus("/readyz", 200).status, 200);
  // Two workers, one connection each per node, once the map is read.
  std::string metrics = waitForMetrics(connectionsLine(cluster_->node(2).address()) + "2\n");
  for (size_t i = 0; i < cluster_->size(); ++i) {
    EXPECT_NE(metrics.find(connectionsLine(cluster_->node(i).address()) + "2\n"), std::string::npos)
        << "node " << i << ":\n" << metrics;
  }
  // Node 2 is a master the seed (node 0) does not stand for: its slots have no reachable master.
  ASSERT_TRUE(cluster_->node(2).process()->kill(SIGKILL));
  const AdminReply ready = waitForStatus("/readyz", 503);
  EXPECT_EQ(ready.status, 503) << ready.describe();
  EXPECT_NE(ready.body.find("cluster master " + cluster_->node(2).address()), std::string::npos) << ready.describe();
  // Each worker sees its own connection close, one a little after the other.
  metrics = waitForMetrics(connectionsLine(cluster_->node(2).address()) + "0\n");
  EXPECT_NE(metrics.find(connectionsLine(cluster_->node(2).address()) + "0\n"), std::string::npos) << metrics;
}

// The key's slot is being migrated from node 0 (the seed, where the DELETE goes first) to node 1
// and the key has moved already: node 0 answers ASK.
TEST_F(RedisClusterNodesTest, AdminDeleteFollowsAsk) {
  const std::string key = "{" + tagOn(0) + "}:x";
  RespClient proxy(port_);
  ASSERT_EQ(proxy.call({"SET", key, "1"}).describe(), "OK");
  const AdminReply explained = adminGet(proxy_->adminPort(), "/explain?key=" + admin::percentEncode(key));
  const std::string stored = jsonString(explained.json, "rewritten");
  ASSERT_TRUE(stored.starts_with("~vc:it:rest:")) << explained.describe();
  const std::string slot = std::to_string(codec::redisKeySlot(stored));
  RespClient source(cluster_->node(0).port());
  RespClient target(cluster_->node(1).port());
  ASSERT_EQ(target.call({"CLUSTER", "SETSLOT", slot, "IMPORTING", cluster_->nodeId(0)}).describe(), "OK");
  ASSERT_EQ(source.call({"CLUSTER", "SETSLOT", slot, "MIGRATING", cluster_->nodeId(1)}).describe(), "OK");
  ASSERT_EQ(source.call({"MIGRATE", "127.0.0.1", std::to_string(cluster_->node(1).port()), "", "0", "5000", "KEYS",
                         stored}).describe(),
            "OK");
  ASSERT_TRUE(source.call({"DEL", stored}).value.text.starts_with("ASK ")) << "the slot is not migrating";
  const AdminReply deleted = adminCall(proxy_->adminPort(), "DELETE", "/listeners/redis/keys/" + admin::percentEncode(key));
  EXPECT_EQ(deleted.status, 200) << deleted.describe();
  EXPECT_EQ(deleted.json.value("deleted", false), true) << deleted.describe();
  target.call({"ASKING"});
  EXPECT_EQ(target.call({"EXISTS", stored}).describe(), "(integer) 0");
}

TEST_F(RedisClusterNodesTest, RedirectsWithoutAHostAreFollowed) {
  RespClient proxy(port_);
  const std::string tag = tagOn(1);
  const uint16_t slot = codec::redisKeySlot(tag);
  const std::string key = "{" + tag + "}:a";
  ASSERT_EQ(proxy.call({"GET", key}).describe(), "(nil)");  // the worker has read the map
  for (size_t i = 0; i < cluster_->size(); ++i) {
    RespClient node(cluster_->node(i).port());
    ASSERT_EQ(node.call({"CONFIG", "SET", "cluster-preferred-endpoint-type", "unknown-endpoint"}).describe(), "OK");
  }
  ASSERT_NO_FATAL_FAILURE(moveEmptySlot(slot, 1, 2));
  RespClient old_owner(cluster_->node(1).port());
  ASSERT_EQ(old_owner.call({"GET", key}).raw,
            "-MOVED " + std::to_string(slot) + " :" + std::to_string(cluster_->node(2).port()) + "\r\n");
  // The proxy's map still says node 1: it meets the MOVED without a host.
  EXPECT_EQ(proxy.call({"SET", key, "moved"}).describe(), "OK");
  EXPECT_EQ(proxy.call({"GET", key}).describe(), "\"moved\"");
  RespClient new_owner(cluster_->node(2).port());
  EXPECT_EQ(new_owner.call({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).describe(), "(integer) 1");
  // The admin DELETE goes to the seed (node 0), which answers MOVED without a host for the others'
  // keys.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(proxy.call({"SET", "other:" + std::to_string(i), "o"}).describe(), "OK");
  for (int i = 0; i < 20; ++i) {
    const AdminReply deleted = adminCall(proxy_->adminPort(), "DELETE", "/listeners/redis/keys/other%3A" + std::to_string(i));
    EXPECT_EQ(deleted.status, 200) << deleted.describe();
    EXPECT_EQ(deleted.json.value("deleted", false), true) << deleted.describe();
  }
}

}  // namespace
}  // namespace vcproxy::test
