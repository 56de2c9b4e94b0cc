#include "proxy/net/cluster_snapshot.h"

#include <map>

#include "proxy/codec/redis_slot.h"

namespace vcproxy::net {

std::vector<std::string> clusterServingProblems(const ClusterSnapshot& snapshot) {
  if (!snapshot.map_read) return {"cluster slot map not read yet"};
  std::map<int32_t, uint32_t> slots_of_master;  // ordered: stable messages
  uint32_t served = 0;
  for (const auto& range : snapshot.masters) {
    const uint32_t count = static_cast<uint32_t>(range.last - range.first) + 1;
    slots_of_master[range.node] += count;
    served += count;
  }
  std::vector<std::string> problems;
  if (served < codec::kRedisClusterSlots) {
    problems.push_back(std::to_string(codec::kRedisClusterSlots - served) + " cluster slots are served by no master");
  }
  for (const auto& [index, slots] : slots_of_master) {
    const ClusterSnapshot::Node& node = snapshot.nodes.at(static_cast<size_t>(index));
    int64_t up = 0;
    for (const BackendCounters* counters : node.connections) up += counters->connected.get();
    if (up == 0) {
      problems.push_back("cluster master " + node.address + " (" + std::to_string(slots) +
                         " slots) has no connection up");
    }
  }
  return problems;
}

}  // namespace vcproxy::net
