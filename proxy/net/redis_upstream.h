// An upstream connection speaking RESP: shared by many clients, or pinned to one client whose
// commands change connection state (transactions, blocking pops, pub/sub, SELECT, HELLO...).
#pragma once

#include "proxy/codec/resp_reply.h"
#include "proxy/net/upstream.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {

class RedisUpstream final : public Upstream {
 public:
  // `versions` gives the snapshot replies are restored with (the worker's current one).
  using Snapshot = std::function<const route::Rewriter&()>;
  RedisUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Snapshot snapshot);

  std::string errorReply(const std::string& reason) const override { return "-ERR " + reason + "\r\n"; }
  // Pinned to `client`: replies nobody asked for (pushes, a subscribed connection's messages)
  // go to it, in order. `subscribed`: every frame with no request waiting is a message.
  void pinTo(ReplySink* client) { pinned_client_ = client; }
  // Subscribed: from now on every frame with no request waiting is relayed as a message; `ended`
  // runs when the last channel is left (or RESET), so the client expects replies again.
  void setSubscribed(std::function<void()> ended) {
    subscribed_ = true;
    subscription_ended_ = std::move(ended);
  }

 private:
  Frame frameReply(const Pending& front, std::string_view input) override;
  std::string deliver(Pending& pending, std::string_view reply) override;
  std::optional<size_t> takeUnsolicited(std::string_view input, bool idle) override;
  void resetFraming() override { framer_.reset(); }

  Snapshot snapshot_;
  codec::RespReplyFramer framer_;
  ReplySink* pinned_client_ = nullptr;
  bool subscribed_ = false;
  std::function<void()> subscription_ended_;
};

}  // namespace vcproxy::net
