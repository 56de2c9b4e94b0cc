// read_from: replica: which commands a replica may answer, and which node of a shard gets a read.
#include "proxy/net/cluster_reads.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "proxy/codec/redis_commands.h"

namespace vcproxy::net {
namespace {

TEST(ClusterReads, OnlyReadOnlyCommandsGoToReplicas) {
  for (const char* name : {"get", "mget", "hgetall", "exists", "ttl", "zrange", "eval_ro", "sort_ro", "strlen"}) {
    EXPECT_TRUE(readableOnReplica(codec::findRedisCommand(name))) << name;
  }
  for (const char* name : {"set", "mset", "del", "incr", "eval", "sort", "getdel", "getex", "expire", "multi", "exec", "touch"}) {
    EXPECT_FALSE(readableOnReplica(codec::findRedisCommand(name))) << name;
  }
  EXPECT_FALSE(readableOnReplica(nullptr));  // a command the table does not know
}

TEST(ClusterReads, ReplicasTakeReadsInTurn) {
  const std::vector<int32_t> replicas = {4, 5, 6};
  size_t turn = 0;
  std::map<int32_t, int> count;
  for (int i = 0; i < 300; ++i) ++count[chooseReadNode(1, replicas, turn, [](int32_t) { return true; })];
  EXPECT_EQ(count, (std::map<int32_t, int>{{4, 100}, {5, 100}, {6, 100}}));
}

TEST(ClusterReads, UnusableReplicasAreSkipped) {
  const std::vector<int32_t> replicas = {4, 5, 6};
  size_t turn = 0;
  std::set<int32_t> chosen;
  for (int i = 0; i < 30; ++i) chosen.insert(chooseReadNode(1, replicas, turn, [](int32_t n) { return n != 5; }));
  EXPECT_EQ(chosen, (std::set<int32_t>{4, 6}));
}

TEST(ClusterReads, MasterWhenNoReplicaIsUsable) {
  size_t turn = 0;
  EXPECT_EQ(chooseReadNode(1, {}, turn, [](int32_t) { return true; }), 1);
  const std::vector<int32_t> replicas = {4, 5};
  EXPECT_EQ(chooseReadNode(1, replicas, turn, [](int32_t) { return false; }), 1);
}

}  // namespace
}  // namespace vcproxy::net
