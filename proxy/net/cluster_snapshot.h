// What the admin thread may read of one worker's Redis Cluster (metrics, readiness): an
// immutable copy the worker replaces whole when it meets a new node or reads the slot map, so
// the admin thread never touches the worker's own containers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/net/metrics.h"

namespace vcproxy::net {

struct ClusterSnapshot {
  struct Node {
    std::string address;  // "host:port" as the cluster announces it (or as configured, for seeds)
    // The worker's connections to it: they live as long as the listener does.
    std::vector<const BackendCounters*> connections;
  };
  struct MasterRange {
    uint16_t first = 0;  // inclusive
    uint16_t last = 0;   // inclusive
    int32_t node = 0;    // index into `nodes`
  };
  std::vector<Node> nodes;           // every node the worker connects to: seeds, masters, replicas
  std::vector<MasterRange> masters;  // the last slot map read
  bool map_read = false;
};

// Why the worker cannot serve every slot: the map not read yet, slots no master serves, masters
// none of whose connections is up. Empty when every slot has a reachable master.
std::vector<std::string> clusterServingProblems(const ClusterSnapshot& snapshot);

}  // namespace vcproxy::net
