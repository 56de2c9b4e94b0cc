// An upstream connection speaking RESP: shared by many clients, or pinned to one client whose
// commands change connection state (transactions, blocking pops, pub/sub, SELECT, HELLO...).
#pragma once

#include <string>
#include <vector>

#include "proxy/codec/resp_reply.h"
#include "proxy/net/upstream.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {

class RedisUpstream final : public Upstream {
 public:
  // `versions` gives the snapshot replies are restored with (the worker's current one).
  using Snapshot = std::function<const route::Rewriter&()>;
  // What every connection AUTHs with before anything else (no password: nothing).
  struct Credentials {
    std::string username;
    std::string password;
  };
  RedisUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Snapshot snapshot,
                Credentials credentials = {});

  std::string errorReply(const std::string& reason) const override { return "-ERR " + reason + "\r\n"; }
  // Redis Cluster replica reads: every fresh connection sends READONLY (after AUTH), so a replica
  // answers read-only commands for its master's slots instead of redirecting them.
  void sendReadonlyOnConnect() { readonly_ = true; }
  // Pinned to `client`: replies nobody asked for (pushes, a subscribed connection's messages)
  // go to it, in order. `subscribed`: every frame with no request waiting is a message.
  void pinTo(ReplySink* client) { pinned_client_ = client; }
  // RESP2 subscribed: from now on every frame with no request waiting is relayed as a message;
  // `ended` runs when the last channel is left (or RESET), so the client expects replies again.
  // (RESP3 needs none of this: its messages are pushes, its replies ordinary replies.)
  void setSubscribed(std::function<void()> ended) {
    subscribed_ = true;
    ++subscriptions_;
    subscription_ended_ = std::move(ended);
  }
  // Subscriptions started so far: a RESET's reply ends only those started before it was sent.
  uint32_t subscriptions() const { return subscriptions_; }
  // Broadcast tracking: invalidation pushes keep only keys with one of these (client) prefixes.
  void setTrackingPrefixes(std::vector<std::string> prefixes) { tracking_prefixes_ = std::move(prefixes); }

 private:
  Frame frameReply(const Pending& front, std::string_view input) override;
  std::string deliver(Pending& pending, std::string_view reply) override;
  std::optional<size_t> takeUnsolicited(std::string_view input, const Pending* front) override;
  void relay(std::string_view frame, const Pending* front);
  void resetFraming() override { framer_.reset(); }
  void greet(std::string& out, std::deque<PendingPtr>& pendings) override;

  Snapshot snapshot_;
  Credentials credentials_;
  bool readonly_ = false;
  PendingPtr auth_;  // the AUTH of the current connection, until answered
  codec::RespReplyFramer framer_;
  ReplySink* pinned_client_ = nullptr;
  bool subscribed_ = false;
  uint32_t subscriptions_ = 0;
  std::function<void()> subscription_ended_;
  std::vector<std::string> tracking_prefixes_;
};

}  // namespace vcproxy::net
