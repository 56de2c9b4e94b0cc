// A real three-master Redis Cluster on free loopback ports for the integration tests: three
// `redis-server --cluster-enabled yes` processes joined with `redis-cli --cluster create
// --cluster-replicas 0`, ready once every node's CLUSTER INFO says cluster_state:ok and all of
// them agree on the slot map. Throws std::runtime_error (with the tools' output) if it cannot.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {

// redis-server --cluster-enabled yes --cluster-config-file <tmp> --cluster-port B --port P
//   --bind 127.0.0.1 --save "" --appendonly no
class RedisClusterNode : public LocalServer {
 public:
  RedisClusterNode();
  ~RedisClusterNode() override;

 private:
  std::vector<std::string> commandFor(uint16_t port) const override;
  std::string configFile(uint16_t port) const;
};

class RedisClusterServers {
 public:
  static constexpr size_t kMasters = 3;
  RedisClusterServers();

  size_t size() const { return nodes_.size(); }
  RedisClusterNode& node(size_t i) { return *nodes_[i]; }
  std::string nodeId(size_t i);                 // CLUSTER MYID
  // The node serving `slot`, by the first node's CLUSTER SLOTS; size() if none.
  size_t ownerOf(uint16_t slot);
  // One command straight on the cluster, following MOVED and ASK like a cluster client (one slot).
  RespReply call(const std::vector<std::string>& args);
  // Moves `slots` slots from node `from` to node `to` with redis-cli --cluster reshard; the tool's
  // output in `output`. True if it exited 0.
  bool reshard(size_t from, size_t to, int slots, std::string& output);
  // Waits until every node says cluster_state:ok and reports the same slot owners; why not, if not.
  std::string waitUntilConsistent();

 private:
  std::vector<std::unique_ptr<RedisClusterNode>> nodes_;
};

}  // namespace vcproxy::test
