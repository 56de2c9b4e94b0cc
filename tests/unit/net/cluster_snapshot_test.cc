// Readiness of a Redis Cluster listener: every slot served by a master with a connection up.
#include "proxy/net/cluster_snapshot.h"

#include <gtest/gtest.h>

#include <array>

namespace vcproxy::net {
namespace {

struct ThreeMasters {
  std::array<BackendCounters, 4> counters;  // masters 0..2, a replica 3
  ClusterSnapshot snapshot;

  ThreeMasters() {
    const char* addresses[] = {"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000", "10.0.0.4:7000"};
    for (size_t i = 0; i < counters.size(); ++i) {
      counters[i].connected.set(1);
      snapshot.nodes.push_back({addresses[i], {&counters[i]}});
    }
    snapshot.masters = {{0, 5460, 0}, {5461, 10922, 1}, {10923, 16383, 2}};
    snapshot.map_read = true;
  }
};

TEST(ClusterSnapshot, ReadyWhenEveryMasterIsConnected) {
  ThreeMasters cluster;
  cluster.counters[3].connected.set(0);  // a replica down does not matter
  EXPECT_EQ(clusterServingProblems(cluster.snapshot), std::vector<std::string>{});
}

TEST(ClusterSnapshot, MapNotReadYet) {
  ThreeMasters cluster;
  cluster.snapshot.map_read = false;
  EXPECT_EQ(clusterServingProblems(cluster.snapshot), std::vector<std::string>{"cluster slot map not read yet"});
}

TEST(ClusterSnapshot, MasterWithNoConnectionUp) {
  ThreeMasters cluster;
  cluster.counters[1].connected.set(0);
  EXPECT_EQ(clusterServingProblems(cluster.snapshot),
            std::vector<std::string>{"cluster master 10.0.0.2:7000 (5462 slots) has no connection up"});
}

TEST(ClusterSnapshot, SlotsServedByNoMaster) {
  ThreeMasters cluster;
  cluster.snapshot.masters.pop_back();
  EXPECT_EQ(clusterServingProblems(cluster.snapshot),
            std::vector<std::string>{"5461 cluster slots are served by no master"});
}

}  // namespace
}  // namespace vcproxy::net
