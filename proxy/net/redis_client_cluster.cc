// RedisClientConn on a Redis Cluster listener: each command goes to the master of the slot of
// its rewritten keys; MGET/MSET/DEL/EXISTS/UNLINK/TOUCH over several slots are split by slot and
// their replies merged in the client's key order; other commands whose keys span slots get
// Redis' own CROSSSLOT error.
#include <unordered_map>

#include "proxy/codec/redis_commands.h"
#include "proxy/codec/redis_slot.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_text.h"
#include "proxy/net/cluster_request.h"
#include "proxy/net/redis_client.h"
#include "proxy/net/redis_cluster.h"

namespace vcproxy::net {
namespace {

constexpr std::string_view kCrossSlot = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

// Why a command cannot go through a cluster listener (empty: it can).
std::string_view clusterRefusal(const codec::RedisCommand& command) {
  if (command.isSpecial(codec::kSpecialWholeKeyspace)) {
    return "it acts on every key of the database, and each node of a cluster holds only some of them";
  }
  if (command.isSpecial(codec::kSpecialConnectionState) || command.hasFlag(codec::kCmdBlocking)) {
    return "it needs a backend connection of its own, which cluster listeners do not give (yet)";
  }
  return {};
}

std::string upper(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace

void RedisClientConn::sendToCluster(RedisCluster& cluster, const codec::RespRequest& request,
                                    const codec::RedisCommand* command, std::string pattern) {
  const std::string_view name = request.args[0];
  if (codec::equalsIgnoreCase(name, "multi") || codec::equalsIgnoreCase(name, "exec") ||
      codec::equalsIgnoreCase(name, "discard")) {
    return transactionForCluster(cluster, name);
  }
  if (command != nullptr) {
    if (const auto why = clusterRefusal(*command); !why.empty()) {
      return refuseForCluster("-ERR " + upper(name) + " is not supported through vcproxy on a Redis Cluster listener: " +
                              std::string(why) + "\r\n");
    }
  }
  if (command == nullptr || !codec::findKeyPositions(*command, request.args, positions_)) positions_.clear();
  int32_t slot = ClusterRequest::kAnySlot;
  bool cross = false;
  for (const uint32_t position : positions_) {
    const int32_t key_slot = codec::redisKeySlot(args_[position]);
    if (slot == ClusterRequest::kAnySlot) slot = key_slot;
    cross = cross || key_slot != slot;
  }
  if (cluster_multi_) return queueForCluster(command, slot, cross);
  if (cross) {
    const codec::SplitKind kind = codec::splitKindOf(name);
    if (kind == codec::SplitKind::kNone) return answer(kCrossSlot);
    return splitForCluster(cluster, kind, command);
  }
  auto target = std::make_shared<Pending>();
  target->client = this;
  expectReply(target);
  std::string bytes;
  codec::appendRespCommand(args_, bytes);
  auto upstream_request = std::make_shared<ClusterRequest>(cluster, std::move(bytes), slot);
  upstream_request->command = command;
  upstream_request->pattern = std::move(pattern);
  upstream_request->deliverTo(std::move(target));
  cluster.send(upstream_request);
}

// Inside MULTI a refused command also dooms the transaction, as Redis does while queueing.
void RedisClientConn::refuseForCluster(std::string reply) { refuse(reply); }

// Redis' own answers for MULTI, EXEC and DISCARD, with the transaction kept here until EXEC.
void RedisClientConn::transactionForCluster(RedisCluster& cluster, std::string_view name) {
  if (codec::equalsIgnoreCase(name, "multi")) {
    if (cluster_multi_) return answer("-ERR MULTI calls can not be nested\r\n");
    cluster_multi_.emplace();
    return answer("+OK\r\n");
  }
  const bool exec = codec::equalsIgnoreCase(name, "exec");
  if (!cluster_multi_) return answer(exec ? "-ERR EXEC without MULTI\r\n" : "-ERR DISCARD without MULTI\r\n");
  ClusterTransaction transaction = std::move(*cluster_multi_);
  cluster_multi_.reset();
  if (!exec) return answer("+OK\r\n");
  if (transaction.dirty) return answer("-EXECABORT Transaction discarded because of previous errors.\r\n");
  if (transaction.commands == 0) return answer("*0\r\n");
  auto target = std::make_shared<Pending>();
  target->client = this;
  expectReply(target);
  static constexpr std::string_view kExec[] = {"EXEC"};
  codec::appendRespCommand(kExec, transaction.bytes);
  const int32_t slot = transaction.slot == ClusterTransaction::kNoSlot ? ClusterRequest::kAnySlot : transaction.slot;
  auto upstream_request = std::make_shared<ClusterRequest>(cluster, std::move(transaction.bytes), slot);
  upstream_request->setBatch(transaction.commands + 1);  // MULTI's +OK and a +QUEUED per command
  upstream_request->deliverTo(std::move(target));  // no command: EXEC's reply passes as it is
  cluster.send(upstream_request);
}

void RedisClientConn::queueForCluster(const codec::RedisCommand* command, int32_t slot, bool cross) {
  ClusterTransaction& transaction = *cluster_multi_;
  // EXEC's reply is passed on as the node gives it: no key in it may need restoring.
  if (command != nullptr && command->reply_keys != codec::RedisReplyKeys::kNone) {
    return refuseForCluster("-ERR " + upper(command->name) +
                            " inside MULTI is not supported through vcproxy on a Redis Cluster listener: its reply "
                            "carries keys\r\n");
  }
  const bool other_slot = slot != ClusterRequest::kAnySlot && transaction.slot != ClusterTransaction::kNoSlot &&
                          slot != transaction.slot;
  if (cross || other_slot) return refuseForCluster(std::string(kCrossSlot));
  if (slot != ClusterRequest::kAnySlot) transaction.slot = slot;
  codec::appendRespCommand(args_, transaction.bytes);
  ++transaction.commands;
  answer("+QUEUED\r\n");
}

// One part per slot, in the order the slots first appear; each part keeps its keys' order.
void RedisClientConn::splitForCluster(RedisCluster& cluster, codec::SplitKind kind, const codec::RedisCommand* command) {
  const uint32_t stride = codec::splitStride(kind);
  auto merge = std::make_shared<ClusterMerge>();
  merge->kind = kind;
  merge->key_count = static_cast<uint32_t>(positions_.size());
  merge->target = std::make_shared<Pending>();
  merge->target->client = this;
  std::vector<std::vector<std::string_view>> part_args;
  std::vector<uint16_t> part_slots;
  std::unordered_map<uint16_t, uint32_t> part_of_slot;
  for (uint32_t i = 0; i < positions_.size(); ++i) {
    const uint32_t position = positions_[i];
    const uint16_t slot = codec::redisKeySlot(args_[position]);
    const auto [it, added] = part_of_slot.try_emplace(slot, static_cast<uint32_t>(part_args.size()));
    if (added) {
      part_args.push_back({args_[0]});
      part_slots.push_back(slot);
      merge->key_index.emplace_back();
    }
    for (uint32_t k = 0; k < stride && position + k < args_.size(); ++k) part_args[it->second].push_back(args_[position + k]);
    merge->key_index[it->second].push_back(i);
  }
  merge->replies.resize(part_args.size());
  merge->remaining = part_args.size();
  expectReply(merge->target);
  for (uint32_t part = 0; part < part_args.size(); ++part) {
    std::string bytes;
    codec::appendRespCommand(part_args[part], bytes);
    auto upstream_request = std::make_shared<ClusterRequest>(cluster, std::move(bytes), part_slots[part]);
    upstream_request->command = command;
    upstream_request->deliverTo(merge, part);
    cluster.send(upstream_request);
  }
}

}  // namespace vcproxy::net
