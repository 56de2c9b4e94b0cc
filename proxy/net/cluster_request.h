// A command (or one part of a split command) on its way to a Redis Cluster node. It is its own
// upstream reply sink: MOVED and ASK are followed (resent to the node named, ASK behind a one-shot
// ASKING), TRYAGAIN is retried a little later, and only the final reply reaches the client's slot.
#pragma once

#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "proxy/codec/redis_split.h"
#include "proxy/net/pending.h"

namespace vcproxy::net {

class RedisCluster;

// The client's one reply to a command split by slot: filled once every part answered.
struct ClusterMerge {
  PendingPtr target;
  codec::SplitKind kind = codec::SplitKind::kNone;
  uint32_t key_count = 0;
  std::vector<std::string> replies;               // per part
  std::vector<std::vector<uint32_t>> key_index;   // per part: the client's key numbers
  size_t remaining = 0;

  void done(uint32_t part, std::string reply);
};

class ClusterRequest final : public Pending, public ReplySink, public std::enable_shared_from_this<ClusterRequest> {
 public:
  static constexpr int32_t kAnySlot = -1;  // keyless: any node answers

  ClusterRequest(RedisCluster& cluster, std::string bytes, int32_t slot)
      : bytes_(std::move(bytes)), slot_(slot), cluster_(&cluster) {
    client = this;
  }
  // Where the final reply goes: the client's slot, or part `part` of a merge.
  void deliverTo(PendingPtr target) { target_ = std::move(target); }
  void deliverTo(std::shared_ptr<ClusterMerge> merge, uint32_t part) {
    merge_ = std::move(merge);
    part_ = part;
  }

  // `bytes` is a batch (MULTI ... EXEC) whose first `steps` replies come before this request's
  // own (the last): they are read for redirections, and dropped.
  void setBatch(uint32_t steps) { steps_ = steps; }
  uint32_t steps() const { return steps_; }

  const std::string& bytes() const { return bytes_; }
  int32_t slot() const { return slot_; }
  // Another wait for the map or a TRYAGAIN; false once it waited long enough.
  bool mayWait() { return ++waits_ <= kMaxWaits; }
  // Answers the client with `reply` instead of a backend's reply.
  void fail(std::string reply);
  // Where it was sent last (a node's "host:port"), and whether that node is a replica serving a read.
  void sentTo(const std::string& node, bool replica) {
    sent_to_ = node;
    on_replica_ = replica;
  }
  // Set once a replica could not answer: the read goes to the master from then on.
  bool mastersOnly() const { return masters_only_; }

  void onReplyReady(Pending& pending) override;
  void onUnsolicited(PendingPtr, const Pending*) override {}

 private:
  static constexpr int kMaxRedirects = 16;  // as cluster clients do: beyond this, a loop
  static constexpr int kMaxWaits = 100;     // of RedisCluster::kRetryDelayMs each

  void complete();
  // The reply that decides a resend: this one, or in a batch aborted by EXEC the first step
  // that was redirected or told to try again.
  std::string_view decisive() const;
  // The replica could not serve the read: its connection failed under it (vcproxy's own
  // "-ERR backend <node> ..."), or it is loading its data or cut off from its master
  // (-LOADING, -MASTERDOWN). Nothing reached the client yet and a read is safe to resend.
  bool replicaCannotServe() const;

  std::string bytes_;
  int32_t slot_;
  RedisCluster* cluster_;
  int redirects_ = 0;
  int waits_ = 0;
  uint32_t steps_ = 0;
  std::string step_problem_;  // a batch: the first MOVED / ASK / TRYAGAIN among the steps' replies
  PendingPtr target_;
  std::shared_ptr<ClusterMerge> merge_;
  uint32_t part_ = 0;
  std::string sent_to_;
  bool on_replica_ = false;
  bool masters_only_ = false;
};

}  // namespace vcproxy::net
