// read_from: replica in front of a real Redis Cluster of three masters with one replica each.
// Reads (GET, split MGET) are executed by the replicas and writes by the masters, as each
// node's INFO commandstats counts them; a replica killed under read traffic costs no client an
// error (its reads go to its master). Replication is asynchronous: the tests wait for the
// replicas to catch up (master_repl_offset) before reading what they wrote, as clients of
// replica reads must accept reads that lag writes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/redis_cluster_proxy_test.h"
#include "tests/integration/harness/resp_client.h"

namespace vcproxy::test {
namespace {

using Strings = std::vector<std::string>;

class RedisClusterReplicaTest : public RedisClusterProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(startCluster(1));
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy("    read_from: replica\n"));
    for (size_t i = 0; i < cluster_->size(); ++i) {
      (cluster_->masterOf(i) == cluster_->size() ? masters_ : replicas_).push_back(i);
    }
    ASSERT_EQ(masters_.size(), 3u);
    ASSERT_EQ(replicas_.size(), 3u);
  }

  // `count` keys key:0.. set through vcproxy to value-<i>, then replicated everywhere.
  void writeKeys(int count) {
    RespClient proxy(port_);
    for (int i = 0; i < count; ++i) {
      ASSERT_EQ(proxy.call({"SET", "key:" + std::to_string(i), "value-" + std::to_string(i)}).describe(), "OK");
    }
    ASSERT_EQ(cluster_->waitForReplication(), "");
  }

  void resetStats() {
    for (size_t i = 0; i < cluster_->size(); ++i) {
      RespClient node(cluster_->node(i).port());
      ASSERT_EQ(node.call({"CONFIG", "RESETSTAT"}).describe(), "OK");
    }
  }

  int64_t callsOn(const std::vector<size_t>& nodes, const std::string& command) {
    int64_t total = 0;
    for (const size_t i : nodes) total += cluster_->commandCalls(i, command);
    return total;
  }

  std::vector<size_t> masters_;
  std::vector<size_t> replicas_;
};

TEST_F(RedisClusterReplicaTest, ReadsGoToReplicasWritesToMasters) {
  constexpr int kKeys = 300;
  ASSERT_NO_FATAL_FAILURE(writeKeys(kKeys));
  ASSERT_NO_FATAL_FAILURE(resetStats());
  RespClient proxy(port_);
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(proxy.call({"GET", "key:" + std::to_string(i)}).describe(), "\"value-" + std::to_string(i) + "\"");
  }
  Strings mget = {"MGET"};
  for (int i = 0; i < 30; ++i) mget.push_back("key:" + std::to_string(i));
  const RespReply values = proxy.call(mget);
  ASSERT_EQ(values.value.items.size(), 30u) << values.describe();
  for (int i = 0; i < 30; ++i) EXPECT_EQ(values.value.items[static_cast<size_t>(i)].text, "value-" + std::to_string(i));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(proxy.call({"SET", "new:" + std::to_string(i), "v"}).describe(), "OK");
  ASSERT_EQ(proxy.call({"INCR", "counter"}).describe(), "(integer) 1");

  const int64_t master_gets = callsOn(masters_, "get");
  const int64_t replica_gets = callsOn(replicas_, "get");
  const int64_t master_mgets = callsOn(masters_, "mget");
  const int64_t replica_mgets = callsOn(replicas_, "mget");
  const int64_t master_sets = callsOn(masters_, "set");
  std::cout << "GET: masters " << master_gets << ", replicas " << replica_gets << " (";
  for (const size_t r : replicas_) std::cout << cluster_->commandCalls(r, "get") << " ";
  std::cout << "); MGET parts: masters " << master_mgets << ", replicas " << replica_mgets << "; SET on masters "
            << master_sets << "\n";
  EXPECT_EQ(master_gets, 0);
  EXPECT_EQ(replica_gets, kKeys);
  for (const size_t r : replicas_) EXPECT_GT(cluster_->commandCalls(r, "get"), 0) << "replica " << r;
  EXPECT_EQ(master_mgets, 0);
  EXPECT_GE(replica_mgets, 3);  // 30 versioned keys span the three shards
  EXPECT_EQ(master_sets, 100);  // a write sent to a replica would have been redirected: counted there too
  EXPECT_EQ(callsOn(masters_, "incr"), 1);
  for (size_t i = 0; i < cluster_->size(); ++i) {
    RespClient node(cluster_->node(i).port());
    const std::string errors = node.call({"INFO", "errorstats"}).value.text;
    EXPECT_EQ(errors.find("errorstat_MOVED"), std::string::npos) << "node " << i << ": " << errors;
  }
}

// Four clients GET keys of every shard while one replica is killed (SIGKILL): every reply is the
// right value, and the dead replica's shard is read from its master from then on.
TEST_F(RedisClusterReplicaTest, KilledReplicaFallsBackToItsMaster) {
  constexpr int kKeys = 200;
  ASSERT_NO_FATAL_FAILURE(writeKeys(kKeys));
  const size_t victim = replicas_[0];
  const size_t its_master = cluster_->masterOf(victim);
  ASSERT_NO_FATAL_FAILURE(resetStats());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0};
  std::atomic<int64_t> errors{0};
  std::vector<std::string> first_errors(4);
  std::vector<std::thread> clients;
  for (size_t c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      RespClient proxy(port_);
      while (!stop) {
        for (int i = static_cast<int>(c); i < kKeys && !stop; i += 4) {
          const RespReply got = proxy.call({"GET", "key:" + std::to_string(i)});
          ++reads;
          if (got.describe() != "\"value-" + std::to_string(i) + "\"") {
            ++errors;
            if (first_errors[c].empty()) first_errors[c] = got.describe();
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int64_t master_gets_before = cluster_->commandCalls(its_master, "get");
  ASSERT_TRUE(cluster_->node(victim).process()->kill(SIGKILL));
  const int64_t reads_at_kill = reads;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& client : clients) client.join();
  const int64_t master_gets_after = cluster_->commandCalls(its_master, "get");
  std::cout << reads << " reads (" << reads - reads_at_kill << " after the kill), " << errors
            << " errors; GETs on the dead replica's master: " << master_gets_before << " before the kill, "
            << master_gets_after << " after\n";
  EXPECT_EQ(errors, 0);
  for (const std::string& error : first_errors) EXPECT_EQ(error, "");
  EXPECT_EQ(master_gets_before, 0);
  EXPECT_GT(master_gets_after, 0);
  EXPECT_GT(reads - reads_at_kill, 0);
}

}  // namespace
}  // namespace vcproxy::test
