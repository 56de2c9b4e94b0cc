// The slot map with replicas, read from a Redis 7.0 cluster of three masters and three replicas
// (redis-cli --cluster create --cluster-replicas 1): CLUSTER SHARDS captured after the replica
// 127.0.0.1:27006 was killed (health "fail"), CLUSTER SLOTS before. Only online replicas are kept.
// Also the host of a redirect that names none.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "proxy/codec/cluster_topology.h"

namespace vcproxy::codec {
namespace {

constexpr std::string_view kShardsOneReplicaFailed =
    "*3\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":10923\r\n"
    ":16383\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*2\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "6a599e4ef04f7e47407923db6daa73e3be02def0\r\n"
    "$4\r\n"
    "port\r\n"
    ":27003\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":196\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "b720cf2c77d2a26d599ab9fb01b2c7ff6eae985e\r\n"
    "$4\r\n"
    "port\r\n"
    ":27005\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$7\r\n"
    "replica\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":196\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":0\r\n"
    ":5460\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*2\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "8815ae122fa3976a01016a368155176223c2ac85\r\n"
    "$4\r\n"
    "port\r\n"
    ":27001\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":28\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "a64f11981fb3d14e4ea4a2c6a9fdd07e7dce1f24\r\n"
    "$4\r\n"
    "port\r\n"
    ":27006\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$7\r\n"
    "replica\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":28\r\n"
    "$6\r\n"
    "health\r\n"
    "$4\r\n"
    "fail\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":5461\r\n"
    ":10922\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*2\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "67e275d1fecbc652f0824d4180a4564fd871705f\r\n"
    "$4\r\n"
    "port\r\n"
    ":27002\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":196\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "afd1c0f55efe327e063259404f2b22510b2864b7\r\n"
    "$4\r\n"
    "port\r\n"
    ":27004\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$7\r\n"
    "replica\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":196\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n";

constexpr std::string_view kSlotsWithReplicas =
    "*3\r\n"
    "*4\r\n"
    ":0\r\n"
    ":5460\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27001\r\n"
    "$40\r\n"
    "8815ae122fa3976a01016a368155176223c2ac85\r\n"
    "*0\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27006\r\n"
    "$40\r\n"
    "a64f11981fb3d14e4ea4a2c6a9fdd07e7dce1f24\r\n"
    "*0\r\n"
    "*4\r\n"
    ":5461\r\n"
    ":10922\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27002\r\n"
    "$40\r\n"
    "67e275d1fecbc652f0824d4180a4564fd871705f\r\n"
    "*0\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27004\r\n"
    "$40\r\n"
    "afd1c0f55efe327e063259404f2b22510b2864b7\r\n"
    "*0\r\n"
    "*4\r\n"
    ":10923\r\n"
    ":16383\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27003\r\n"
    "$40\r\n"
    "6a599e4ef04f7e47407923db6daa73e3be02def0\r\n"
    "*0\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":27005\r\n"
    "$40\r\n"
    "b720cf2c77d2a26d599ab9fb01b2c7ff6eae985e\r\n"
    "*0\r\n";

// Replicas by the first slot of their range.
std::map<uint16_t, std::vector<uint16_t>> replicaPorts(const std::vector<SlotRange>& ranges) {
  std::map<uint16_t, std::vector<uint16_t>> ports;
  for (const SlotRange& range : ranges) {
    auto& list = ports[range.first];
    for (const NodeEndpoint& replica : range.replicas) {
      EXPECT_EQ(replica.host, "127.0.0.1");
      list.push_back(replica.port);
    }
  }
  return ports;
}

TEST(ClusterReplicas, ShardsKeepOnlineReplicas) {
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterShards(kShardsOneReplicaFailed, ranges, error)) << error;
  ASSERT_EQ(ranges.size(), 3u);
  const auto ports = replicaPorts(ranges);
  EXPECT_EQ(ports.at(0), std::vector<uint16_t>{});  // 27006 failed
  EXPECT_EQ(ports.at(5461), std::vector<uint16_t>{27004});
  EXPECT_EQ(ports.at(10923), std::vector<uint16_t>{27005});
  for (const SlotRange& range : ranges) {
    EXPECT_EQ(range.port, range.first == 0 ? 27001 : range.first == 5461 ? 27002 : 27003);
  }
}

TEST(ClusterReplicas, SlotsListReplicasAfterTheMaster) {
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterSlots(kSlotsWithReplicas, ranges, error)) << error;
  ASSERT_EQ(ranges.size(), 3u);
  const auto ports = replicaPorts(ranges);
  EXPECT_EQ(ports.at(0), std::vector<uint16_t>{27006});
  EXPECT_EQ(ports.at(5461), std::vector<uint16_t>{27004});
  EXPECT_EQ(ports.at(10923), std::vector<uint16_t>{27005});
}

// RESP3, two replicas of one shard: one still loading its first sync (no data yet), one online;
// the online one is kept for every range of the shard.
TEST(ClusterReplicas, LoadingReplicasServeNoReads) {
  const std::string reply =
      "*1\r\n%2\r\n$5\r\nslots\r\n*4\r\n:0\r\n:9\r\n:20\r\n:29\r\n$5\r\nnodes\r\n*3\r\n"
      "%4\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$8\r\n10.0.0.2\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$6\r\nhealth\r\n$7\r\nloading\r\n"
      "%4\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"
      "%4\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$8\r\n10.0.0.3\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterShards(reply, ranges, error)) << error;
  ASSERT_EQ(ranges.size(), 2u);
  for (const SlotRange& range : ranges) {
    EXPECT_EQ(range.host, "10.0.0.1");
    ASSERT_EQ(range.replicas.size(), 1u);
    EXPECT_EQ(range.replicas[0].host, "10.0.0.3");
    EXPECT_EQ(range.replicas[0].port, 7002);
  }
}

// "-MOVED 3999 :6381": a node that does not know its own address means "my host".
TEST(ClusterReplicas, RedirectWithoutHostMeansTheAnsweringHost) {
  const auto moved = parseRedirect("-MOVED 3999 :6381\r\n");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->address, ":6381");
  EXPECT_EQ(redirectTarget(moved->address, "10.0.0.7:6379"), "10.0.0.7:6381");
  EXPECT_EQ(redirectTarget(moved->address, "[::1]:7000"), "[::1]:6381");
  EXPECT_EQ(redirectTarget("10.0.0.8:6381", "10.0.0.7:6379"), "10.0.0.8:6381");
}

}  // namespace
}  // namespace vcproxy::codec
