// A real three-master Redis Cluster on free loopback ports for the integration tests: three
// `redis-server --cluster-enabled yes` processes (or six, with one replica each) joined with
// `redis-cli --cluster create --cluster-replicas N`, ready once every node's CLUSTER INFO says
// cluster_state:ok, all of them agree on the slot map and every replica has synced and is listed
// by every node. Throws std::runtime_error (with the tools' output) if it cannot.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {

// redis-server --cluster-enabled yes --cluster-config-file <tmp> --cluster-port B --port P
//   --bind 127.0.0.1 --save "" --appendonly no --repl-diskless-sync-delay 0
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
  explicit RedisClusterServers(size_t replicas_per_master = 0);

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
  // The node node `i` replicates (ROLE), or size() when `i` is a master.
  size_t masterOf(size_t i);
  // Calls of `command` ("get") node `i` executed since its start or CONFIG RESETSTAT (INFO commandstats).
  int64_t commandCalls(size_t i, const std::string& command);
  // Waits until every replica has applied all its master has written so far; why not, if not.
  std::string waitForReplication();

 private:
  std::string waitForReplicas();  // every node's CLUSTER SLOTS lists every replica

  std::vector<std::unique_ptr<RedisClusterNode>> nodes_;
  size_t replicas_per_master_ = 0;
};

}  // namespace vcproxy::test
