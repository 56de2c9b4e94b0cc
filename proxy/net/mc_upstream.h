// An upstream connection speaking the memcached protocol.
#pragma once

#include "proxy/net/upstream.h"

namespace vcproxy::net {

class Worker;

class McUpstream final : public Upstream {
 public:
  McUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Worker& worker)
      : Upstream(loop, std::move(options), scratch), worker_(worker) {}
  std::string errorReply(const std::string& reason) const override { return "SERVER_ERROR " + reason + "\r\n"; }

 private:
  Frame frameReply(const Pending& front, std::string_view input) override;
  void resetFraming() override { resume_at_ = 0; }
  std::string deliver(Pending& pending, std::string_view reply) override;
  // A text noreply request stays silent even when it fails, as memcached's noreply does.
  bool silentOnError(const Pending& pending) const override { return pending.noreply && !codec::isMeta(pending.verb); }

  size_t resume_at_ = 0;  // how much of the front reply is framed already (multi-get replies come in pieces)
  Worker& worker_;  // its rewriter and per-cache hit counters
};

}  // namespace vcproxy::net
