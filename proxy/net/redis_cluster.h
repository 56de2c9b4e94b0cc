// A Redis Cluster as one worker's listener sees it: which master serves each of the 16384 slots,
// and pipelined connections to every master (and, with `read_from: replica`, to the online
// replicas, which serve read-only commands; every connection then sends READONLY first). The map is read from a node (CLUSTER SHARDS, or
// CLUSTER SLOTS from servers without it) at start, after every MOVED, when a node cannot be
// reached, and every kPeriodicRefreshMs; a MOVED also updates its slot at once, so traffic
// follows a resharding without waiting for the full map.
#pragma once

#include <uv.h>

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/codec/cluster_topology.h"
#include "proxy/codec/redis_slot.h"
#include "proxy/net/cluster_snapshot.h"
#include "proxy/net/listener_spec.h"
#include "proxy/net/redis_upstream.h"

namespace vcproxy::net {

class ClusterRequest;
struct TopologyRequest;
class Worker;

// "host:port" or "[v6]:port" as MOVED and the slot maps give a node; false if not one. The host
// may be empty when a node does not know its own address yet.
bool parseNodeAddress(std::string_view text, Address& out);

class RedisCluster {
 public:
  static constexpr uint64_t kRetryDelayMs = 10;          // TRYAGAIN, or the map not read yet
  static constexpr uint64_t kMinRefreshGapMs = 100;      // MOVED storms during a resharding
  static constexpr uint64_t kFailedRefreshDelayMs = 200;
  static constexpr uint64_t kPeriodicRefreshMs = 10000;

  // Connections to the seed nodes (`spec.backends`) go to `seeds` (the listener's, which it
  // starts and flushes); connections to nodes found later belong to the cluster. Metrics and
  // readiness see all of them through snapshot().
  RedisCluster(Worker& worker, const ListenerSpec& spec, std::vector<std::unique_ptr<Upstream>>& seeds);
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  void start() { refresh(); }
  void shutdown();
  bool shuttingDown() const { return shut_down_; }
  void flush();  // the connections the listener does not flush itself

  // Sends to the master of the request's slot (any node for kAnySlot), or for a read with
  // `read_from: replica` to a replica of it whose connection is usable; waits a little while the
  // map is unknown.
  void send(const std::shared_ptr<ClusterRequest>& request);
  // Sends to `address` (MOVED, ASK); `asking`: behind a one-shot ASKING on the same connection.
  void sendTo(std::string_view address, const std::shared_ptr<ClusterRequest>& request, bool asking);
  // Sends again after kRetryDelayMs.
  void retryLater(const std::shared_ptr<ClusterRequest>& request);
  // A node said MOVED: the slot is served by `address` now.
  void moved(uint16_t slot, std::string_view address);
  // Reads the map again soon (at most one read in flight, kMinRefreshGapMs apart).
  void requestRefresh();

  // Called by the read of the map with a node's reply.
  void onTopology(TopologyRequest& request, std::string_view reply);

  // For the admin thread (metrics, readiness); any thread may call it.
  std::shared_ptr<const ClusterSnapshot> snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
  }

 private:
  struct Node {
    std::string address;  // "host:port" as the cluster announces it (or as configured, for seeds)
    std::vector<RedisUpstream*> connections;
    size_t next = 0;
  };
  // The replicas of the shard serving some slots, taken in turn for reads.
  struct ReplicaSet {
    std::vector<int32_t> nodes;
    size_t turn = 0;
  };
  static constexpr int32_t kNoNode = -1;
  static constexpr int32_t kNoReplicas = -1;

  std::unique_ptr<RedisUpstream> connectionTo(const Address& address);  // shared, pipelined
  int32_t nodeIndex(std::string_view address);  // adds (and connects to) an unknown node
  RedisUpstream* pick(Node& node);
  int32_t readNode(uint16_t slot, int32_t master);  // a usable replica of the slot, else master
  void sendToNode(int32_t index, const std::shared_ptr<ClusterRequest>& request, bool asking, bool replica = false);
  void applyMap(const std::vector<codec::SlotRange>& ranges);
  void publishSnapshot();
  void refresh();
  void sendTopologyQuery(RedisUpstream& upstream, bool shards);
  void armRefresh(uint64_t delay_ms);
  void retryNow();

  Worker& worker_;
  const ListenerSpec& spec_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<RedisUpstream>> owned_;  // connections to nodes found later
  std::array<int32_t, codec::kRedisClusterSlots> slot_node_;
  std::array<int32_t, codec::kRedisClusterSlots> slot_replicas_;  // into replica_sets_, or kNoReplicas
  std::vector<ReplicaSet> replica_sets_;
  std::vector<int32_t> masters_;  // nodes serving slots in the last map read
  size_t any_next_ = 0;
  size_t refresh_cursor_ = 0;
  bool refreshing_ = false;
  bool refresh_again_ = false;
  bool map_failing_ = false;  // the last read failed: logged once, not at every retry
  uint64_t last_refresh_ms_ = 0;
  std::shared_ptr<TopologyRequest> topology_;  // the read in flight
  std::vector<std::shared_ptr<ClusterRequest>> retries_;
  uv_timer_t refresh_timer_{};
  uv_timer_t retry_timer_{};
  bool shut_down_ = false;
  std::vector<ClusterSnapshot::MasterRange> map_ranges_;  // the last map read, for the snapshot
  bool map_read_ = false;
  // Held only to swap or copy the pointer, when a node is met or the map read and by the admin
  // thread: never per request. (A lock rather than std::atomic<shared_ptr>, whose libstdc++
  // lock bit ThreadSanitizer cannot see.)
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const ClusterSnapshot> snapshot_;
};

}  // namespace vcproxy::net
