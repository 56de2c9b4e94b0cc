#include "proxy/net/redis_cluster.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "proxy/codec/resp_encode.h"
#include "proxy/log/log.h"
#include "proxy/net/cluster_reads.h"
#include "proxy/net/cluster_request.h"
#include "proxy/net/worker.h"

namespace vcproxy::net {

// The read of the map: its reply comes back here, not to a client.
struct TopologyRequest final : Pending, ReplySink {
  TopologyRequest(RedisCluster* owner, RedisUpstream* upstream, bool shards)
      : cluster(owner), via(upstream), cluster_shards(shards) {
    client = this;
  }
  void onReplyReady(Pending&) override {
    if (cluster != nullptr) cluster->onTopology(*this, reply);
  }
  void onUnsolicited(PendingPtr, const Pending*) override {}

  RedisCluster* cluster;  // null once the cluster shut down
  RedisUpstream* via;
  bool cluster_shards;    // false: CLUSTER SLOTS
};

bool parseNodeAddress(std::string_view text, Address& out) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string_view port = text.substr(colon + 1);
  uint16_t number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0) return false;
  out = Address{false, std::string(host), number, {}, std::string(text)};
  return true;
}

namespace {

std::string nodeText(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

RedisCluster::RedisCluster(Worker& worker, const ListenerSpec& spec, std::vector<std::unique_ptr<Upstream>>& seeds)
    : worker_(worker), spec_(spec) {
  slot_node_.fill(kNoNode);
  slot_replicas_.fill(kNoReplicas);
  for (const Address& address : spec_.backends) {
    auto node = std::make_unique<Node>();
    node->address = address.text;
    for (uint32_t i = 0; i < spec_.backend_connections; ++i) {
      auto upstream = connectionTo(address);
      node->connections.push_back(upstream.get());
      seeds.push_back(std::move(upstream));
    }
    nodes_.push_back(std::move(node));
  }
  uv_timer_init(worker_.loop(), &refresh_timer_);
  uv_timer_init(worker_.loop(), &retry_timer_);
  refresh_timer_.data = this;
  retry_timer_.data = this;
  publishSnapshot();
}

RedisCluster::~RedisCluster() = default;

std::unique_ptr<RedisUpstream> RedisCluster::connectionTo(const Address& address) {
  Worker& worker = worker_;
  auto upstream = std::make_unique<RedisUpstream>(
      worker_.loop(), UpstreamOptions{address, spec_.timeout_ms, spec_.connect_timeout_ms}, worker_.scratch(),
      [&worker]() -> const route::Rewriter& { return worker.rewriter(); },
      RedisUpstream::Credentials{spec_.backend_username, spec_.backend_password});
  // On every node, not only replicas: a master demoted by a failover keeps serving reads then,
  // and READONLY changes nothing for writes or on a master.
  if (spec_.read_from_replicas) upstream->sendReadonlyOnConnect();
  return upstream;
}

void RedisCluster::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (topology_) topology_->cluster = nullptr;
  topology_.reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&refresh_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&retry_timer_), nullptr);
  auto waiting = std::move(retries_);
  retries_.clear();
  for (auto& request : waiting) request->fail("-ERR vcproxy is shutting down\r\n");
  for (auto& upstream : owned_) upstream->shutdown();
}

void RedisCluster::flush() {
  for (auto& upstream : owned_) upstream->flush();
}

int32_t RedisCluster::nodeIndex(std::string_view address) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->address == address) return static_cast<int32_t>(i);
  }
  Address parsed;
  if (!parseNodeAddress(address, parsed) || parsed.host.empty()) return kNoNode;
  auto node = std::make_unique<Node>();
  node->address = std::string(address);
  for (uint32_t i = 0; i < spec_.backend_connections; ++i) {
    auto upstream = connectionTo(parsed);
    upstream->start();
    node->connections.push_back(upstream.get());
    owned_.push_back(std::move(upstream));
  }
  nodes_.push_back(std::move(node));
  publishSnapshot();
  return static_cast<int32_t>(nodes_.size() - 1);
}

RedisUpstream* RedisCluster::pick(Node& node) {
  RedisUpstream* upstream = node.connections[node.next];
  node.next = (node.next + 1) % node.connections.size();
  return upstream;
}

void RedisCluster::send(const std::shared_ptr<ClusterRequest>& request) {
  if (shut_down_) return request->fail("-ERR vcproxy is shutting down\r\n");
  int32_t node = kNoNode;
  if (request->slot() == ClusterRequest::kAnySlot) {
    // Keyless: the masters in turn (the seeds until the map is read).
    const size_t turn = any_next_++;
    node = masters_.empty() ? static_cast<int32_t>(turn % nodes_.size()) : masters_[turn % masters_.size()];
  } else {
    node = slot_node_[static_cast<size_t>(request->slot())];
  }
  if (node == kNoNode) {
    requestRefresh();
    if (request->mayWait()) return retryLater(request);
    return request->fail("-CLUSTERDOWN Hash slot not served\r\n");
  }
  const bool to_replica_set = spec_.read_from_replicas && request->slot() != ClusterRequest::kAnySlot &&
                              request->steps() == 0 && !request->mastersOnly() && readableOnReplica(request->command);
  const int32_t target = to_replica_set ? readNode(static_cast<uint16_t>(request->slot()), node) : node;
  sendToNode(target, request, false, target != node);
}

int32_t RedisCluster::readNode(uint16_t slot, int32_t master) {
  const int32_t set = slot_replicas_[slot];
  if (set == kNoReplicas) return master;
  ReplicaSet& replicas = replica_sets_[static_cast<size_t>(set)];
  return chooseReadNode(master, replicas.nodes, replicas.turn, [this](int32_t index) {
    const Node& node = *nodes_[static_cast<size_t>(index)];
    return node.connections[node.next]->available();  // the one pick() gives next
  });
}

void RedisCluster::sendTo(std::string_view address, const std::shared_ptr<ClusterRequest>& request, bool asking) {
  const int32_t index = nodeIndex(address);
  if (index == kNoNode) return request->fail("-ERR vcproxy: cluster node address " + std::string(address) + " not understood\r\n");
  sendToNode(index, request, asking);
}

void RedisCluster::sendToNode(int32_t index, const std::shared_ptr<ClusterRequest>& request, bool asking,
                              bool replica) {
  Node& node = *nodes_[static_cast<size_t>(index)];
  request->sentTo(node.address, replica);
  RedisUpstream* upstream = pick(node);
  if (!upstream->available()) {
    requestRefresh();  // a node down may have been replaced by its replica
    return request->fail(upstream->errorReply(upstream->lastError()));
  }
  if (asking) {
    static constexpr std::string_view kAsking[] = {"ASKING"};
    codec::appendRespCommand(kAsking, upstream->output());
    upstream->push(std::make_shared<Pending>());  // no client: its +OK is dropped
  }
  upstream->output() += request->bytes();
  for (uint32_t step = 0; step < request->steps(); ++step) {
    auto pending = std::make_shared<Pending>();
    pending->client = request.get();  // alive: the request itself waits behind its steps
    upstream->push(std::move(pending));
  }
  upstream->push(request);
}

void RedisCluster::retryLater(const std::shared_ptr<ClusterRequest>& request) {
  retries_.push_back(request);
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&retry_timer_))) return;
  uv_timer_start(&retry_timer_, [](uv_timer_t* t) { static_cast<RedisCluster*>(t->data)->retryNow(); },
                 kRetryDelayMs, 0);
}

void RedisCluster::retryNow() {
  auto waiting = std::move(retries_);
  retries_.clear();
  for (auto& request : waiting) send(request);
}

void RedisCluster::moved(uint16_t slot, std::string_view address) {
  const int32_t index = nodeIndex(address);
  if (index != kNoNode) slot_node_[slot] = index;
  slot_replicas_[slot] = kNoReplicas;  // the new master's replicas are known at the next map read
  requestRefresh();
}

void RedisCluster::requestRefresh() {
  if (shut_down_) return;
  if (refreshing_) {
    refresh_again_ = true;
    return;
  }
  const uint64_t since = uv_now(worker_.loop()) - last_refresh_ms_;
  if (last_refresh_ms_ != 0 && since < kMinRefreshGapMs) return armRefresh(kMinRefreshGapMs - since);
  refresh();
}

void RedisCluster::armRefresh(uint64_t delay_ms) {
  if (shut_down_) return;
  uv_timer_start(&refresh_timer_, [](uv_timer_t* t) { static_cast<RedisCluster*>(t->data)->requestRefresh(); },
                 delay_ms, 0);
}

// Asks the nodes in turn, so one node down does not stop the map from being read.
void RedisCluster::refresh() {
  if (shut_down_ || nodes_.empty()) return;
  last_refresh_ms_ = uv_now(worker_.loop());
  for (size_t tries = 0; tries < nodes_.size(); ++tries) {
    Node& node = *nodes_[refresh_cursor_++ % nodes_.size()];
    RedisUpstream* upstream = pick(node);
    if (!upstream->available()) continue;
    refreshing_ = true;
    refresh_again_ = false;
    return sendTopologyQuery(*upstream, true);
  }
  armRefresh(kFailedRefreshDelayMs);  // every node is backing off
}

void RedisCluster::sendTopologyQuery(RedisUpstream& upstream, bool shards) {
  static constexpr std::string_view kShards[] = {"CLUSTER", "SHARDS"};
  static constexpr std::string_view kSlots[] = {"CLUSTER", "SLOTS"};
  codec::appendRespCommand(shards ? std::span(kShards) : std::span(kSlots), upstream.output());
  topology_ = std::make_shared<TopologyRequest>(this, &upstream, shards);
  upstream.push(topology_);
}

void RedisCluster::onTopology(TopologyRequest& request, std::string_view reply) {
  if (&request != topology_.get()) return;
  std::vector<codec::SlotRange> ranges;
  std::string error;
  const bool ok = request.cluster_shards ? codec::parseClusterShards(reply, ranges, error)
                                         : codec::parseClusterSlots(reply, ranges, error);
  if (!ok && request.cluster_shards && reply.starts_with("-ERR unknown subcommand")) {
    return sendTopologyQuery(*request.via, false);  // before Redis 7: CLUSTER SLOTS
  }
  topology_.reset();
  refreshing_ = false;
  if (!ok || ranges.empty()) {
    if (!map_failing_ && worker_.id() == 0) {
      log::warn("listener " + spec_.name + ": cannot read the cluster's slot map: " +
                (ok ? std::string("no slot is served") : error));
    }
    map_failing_ = true;
    return armRefresh(kFailedRefreshDelayMs);
  }
  if (map_failing_ && worker_.id() == 0) log::info("listener " + spec_.name + ": cluster slot map read");
  map_failing_ = false;
  applyMap(ranges);
  if (refresh_again_) return requestRefresh();
  armRefresh(kPeriodicRefreshMs);
}

void RedisCluster::applyMap(const std::vector<codec::SlotRange>& ranges) {
  slot_node_.fill(kNoNode);
  slot_replicas_.fill(kNoReplicas);
  replica_sets_.clear();
  masters_.clear();
  std::vector<ClusterSnapshot::MasterRange> served;  // published whole, once every node is known
  for (const codec::SlotRange& range : ranges) {
    const int32_t index = nodeIndex(nodeText(range.host, range.port));
    if (index != kNoNode && std::find(masters_.begin(), masters_.end(), index) == masters_.end()) {
      masters_.push_back(index);
    }
    if (index != kNoNode) served.push_back({range.first, range.last, index});
    ReplicaSet replicas;
    if (spec_.read_from_replicas) {
      for (const codec::NodeEndpoint& replica : range.replicas) {
        const int32_t replica_index = nodeIndex(nodeText(replica.host, replica.port));
        if (replica_index != kNoNode && replica_index != index) replicas.nodes.push_back(replica_index);
      }
    }
    const int32_t set = replicas.nodes.empty() ? kNoReplicas : static_cast<int32_t>(replica_sets_.size());
    if (set != kNoReplicas) replica_sets_.push_back(std::move(replicas));
    for (uint32_t slot = range.first; slot <= range.last; ++slot) {
      slot_node_[slot] = index;
      slot_replicas_[slot] = set;
    }
  }
  map_ranges_ = std::move(served);
  map_read_ = true;
  publishSnapshot();
}

void RedisCluster::publishSnapshot() {
  auto snapshot = std::make_shared<ClusterSnapshot>();
  for (const auto& node : nodes_) {
    ClusterSnapshot::Node copy{node->address, {}};
    for (const RedisUpstream* upstream : node->connections) copy.connections.push_back(&upstream->counters());
    snapshot->nodes.push_back(std::move(copy));
  }
  snapshot->masters = map_ranges_;
  snapshot->map_read = map_read_;
  std::shared_ptr<const ClusterSnapshot> old;  // freed outside the lock
  std::lock_guard lock(snapshot_mutex_);
  old = std::exchange(snapshot_, std::move(snapshot));
}

}  // namespace vcproxy::net
