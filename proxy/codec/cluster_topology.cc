#include "proxy/codec/cluster_topology.h"

#include <charconv>
#include <optional>

#include "proxy/codec/redis_slot.h"
#include "proxy/codec/resp_reply.h"

namespace vcproxy::codec {
namespace {

// A reply read into a small tree: topology replies are a few KB, read once per refresh.
struct Node {
  RespType type = RespType::kNull;
  std::string_view data;
  std::vector<Node> items;  // aggregates; maps as key, value, key, value...
};

constexpr int kMaxDepth = 8;

bool readNode(std::string_view input, size_t& pos, Node& node, int depth) {
  RespItem item;
  size_t needed = 0;
  if (depth > kMaxDepth || readRespItem(input, pos, item, needed) != RespReplyStatus::kComplete) return false;
  pos += item.size;
  node.type = item.type;
  node.data = item.data;
  if (item.type == RespType::kAttribute) return readNode(input, pos, node, depth);  // annotations: skipped
  const bool aggregate = item.type == RespType::kArray || item.type == RespType::kMap ||
                         item.type == RespType::kSet || item.type == RespType::kPush;
  if (!aggregate || item.count <= 0) return true;
  node.items.resize(static_cast<size_t>(item.count));
  for (Node& child : node.items) {
    if (!readNode(input, pos, child, depth + 1)) return false;
  }
  return true;
}

std::optional<Node> readReply(std::string_view reply, std::string& error) {
  Node root;
  size_t pos = 0;
  if (!readNode(reply, pos, root, 0) || pos != reply.size()) {
    error = "not one well-formed RESP reply";
    return std::nullopt;
  }
  if (root.type == RespType::kError || root.type == RespType::kBulkError) {
    error = std::string(root.data);
    return std::nullopt;
  }
  if (root.type != RespType::kArray && root.type != RespType::kSet) {
    error = "expected an array";
    return std::nullopt;
  }
  return root;
}

std::optional<int64_t> asInteger(const Node& node) {
  if (node.type != RespType::kInteger && node.type != RespType::kBulkString) return std::nullopt;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(node.data.data(), node.data.data() + node.data.size(), value);
  if (ec != std::errc() || end != node.data.data() + node.data.size()) return std::nullopt;
  return value;
}

bool isText(const Node& node) {
  return node.type == RespType::kBulkString || node.type == RespType::kSimpleString ||
         node.type == RespType::kVerbatim;
}

// The value of `key` in a map (RESP3) or a flat key/value array (RESP2).
const Node* field(const Node& map, std::string_view key) {
  for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
    if (isText(map.items[i]) && map.items[i].data == key) return &map.items[i + 1];
  }
  return nullptr;
}

bool addRange(int64_t first, int64_t last, std::string_view host, int64_t port, std::vector<SlotRange>& ranges) {
  if (first < 0 || last < first || last >= kRedisClusterSlots || port <= 0 || port > 65535 || host.empty()) return false;
  ranges.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(last), std::string(host),
                    static_cast<uint16_t>(port), {}});
  return true;
}

// The shard's serving master: role "master", not marked failed.
const Node* masterOf(const Node& nodes) {
  for (const Node& node : nodes.items) {
    const Node* role = field(node, "role");
    const Node* health = field(node, "health");
    if (role == nullptr || role->data != "master") continue;
    if (health != nullptr && health->data == "fail") continue;
    return &node;
  }
  return nullptr;
}

// A node's address in CLUSTER SHARDS; nullopt without one.
std::optional<NodeEndpoint> endpointOf(const Node& node) {
  const Node* ip = field(node, "ip");
  if (ip == nullptr) ip = field(node, "endpoint");
  const Node* port = field(node, "port");
  const auto number = port != nullptr ? asInteger(*port) : std::nullopt;
  if (ip == nullptr || !number || *number <= 0 || *number > 65535 || ip->data.empty()) return std::nullopt;
  return NodeEndpoint{std::string(ip->data), static_cast<uint16_t>(*number)};
}

// Replicas that serve reads: a replica still `loading` its first sync has no data yet.
std::vector<NodeEndpoint> onlineReplicasOf(const Node& nodes) {
  std::vector<NodeEndpoint> replicas;
  for (const Node& node : nodes.items) {
    const Node* role = field(node, "role");
    const Node* health = field(node, "health");
    if (role == nullptr || role->data != "replica" || health == nullptr || health->data != "online") continue;
    if (auto endpoint = endpointOf(node)) replicas.push_back(std::move(*endpoint));
  }
  return replicas;
}

bool fail(std::vector<SlotRange>& ranges, std::string& error, std::string why) {
  ranges.clear();
  error = std::move(why);
  return false;
}

}  // namespace

bool parseClusterShards(std::string_view reply, std::vector<SlotRange>& ranges, std::string& error) {
  ranges.clear();
  const std::optional<Node> root = readReply(reply, error);
  if (!root) return false;
  for (const Node& shard : root->items) {
    const Node* slots = field(shard, "slots");
    const Node* nodes = field(shard, "nodes");
    if (slots == nullptr || nodes == nullptr || slots->items.size() % 2 != 0) {
      return fail(ranges, error, "a shard without slots and nodes");
    }
    const Node* master = masterOf(*nodes);
    if (master == nullptr || slots->items.empty()) continue;  // no slots, or its master failed
    const Node* ip = field(*master, "ip");
    if (ip == nullptr) ip = field(*master, "endpoint");
    const Node* port = field(*master, "port");
    const auto port_number = port != nullptr ? asInteger(*port) : std::nullopt;
    if (ip == nullptr || !port_number) return fail(ranges, error, "a master without ip and port");
    const std::vector<NodeEndpoint> replicas = onlineReplicasOf(*nodes);
    for (size_t i = 0; i < slots->items.size(); i += 2) {
      const auto first = asInteger(slots->items[i]);
      const auto last = asInteger(slots->items[i + 1]);
      if (!first || !last || !addRange(*first, *last, ip->data, *port_number, ranges)) {
        return fail(ranges, error, "a slot range out of bounds");
      }
      ranges.back().replicas = replicas;
    }
  }
  return true;
}

// [[first, last, [host, port, id, ...], [replica...]...], ...]: the first node is the master;
// Redis lists only replicas that are neither failed nor loading.
bool parseClusterSlots(std::string_view reply, std::vector<SlotRange>& ranges, std::string& error) {
  ranges.clear();
  const std::optional<Node> root = readReply(reply, error);
  if (!root) return false;
  for (const Node& range : root->items) {
    if (range.items.size() < 3 || range.items[2].items.size() < 2) return fail(ranges, error, "a short slot range");
    const Node& master = range.items[2];
    const auto first = asInteger(range.items[0]);
    const auto last = asInteger(range.items[1]);
    const auto port = asInteger(master.items[1]);
    if (!first || !last || !port || !isText(master.items[0]) ||
        !addRange(*first, *last, master.items[0].data, *port, ranges)) {
      return fail(ranges, error, "a slot range out of bounds");
    }
    for (size_t i = 3; i < range.items.size(); ++i) {
      const Node& replica = range.items[i];
      const auto replica_port = replica.items.size() >= 2 ? asInteger(replica.items[1]) : std::nullopt;
      if (!replica_port || *replica_port <= 0 || *replica_port > 65535 || !isText(replica.items[0]) ||
          replica.items[0].data.empty()) {
        continue;  // a replica whose address is unknown serves no reads
      }
      ranges.back().replicas.push_back({std::string(replica.items[0].data), static_cast<uint16_t>(*replica_port)});
    }
  }
  return true;
}

std::optional<Redirect> parseRedirect(std::string_view reply) {
  Redirect redirect;
  if (reply.starts_with("-MOVED ")) {
    reply.remove_prefix(7);
  } else if (reply.starts_with("-ASK ")) {
    redirect.ask = true;
    reply.remove_prefix(5);
  } else {
    return std::nullopt;
  }
  if (!reply.ends_with("\r\n")) return std::nullopt;
  reply.remove_suffix(2);
  const size_t space = reply.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  uint32_t slot = 0;
  const auto [end, ec] = std::from_chars(reply.data(), reply.data() + space, slot);
  if (ec != std::errc() || end != reply.data() + space || slot >= kRedisClusterSlots) return std::nullopt;
  redirect.slot = static_cast<uint16_t>(slot);
  redirect.address = reply.substr(space + 1);
  if (redirect.address.empty() || redirect.address.find(' ') != std::string_view::npos) return std::nullopt;
  return redirect;
}

std::string redirectTarget(std::string_view address, std::string_view answering) {
  if (!address.starts_with(':')) return std::string(address);
  const size_t colon = answering.rfind(':');
  if (colon == std::string_view::npos) return std::string(address);
  return std::string(answering.substr(0, colon)) + std::string(address);
}

}  // namespace vcproxy::codec
