#include "proxy/net/redis_upstream.h"

#include "proxy/net/redis_reply_keys.h"

namespace vcproxy::net {

RedisUpstream::RedisUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Snapshot snapshot)
    : Upstream(loop, std::move(options), scratch), snapshot_(std::move(snapshot)) {}

namespace {

// The reply that ends a subscription: leaving the last channel, or RESET.
bool endsSubscription(std::string_view frame) {
  if (frame == "+RESET\r\n") return true;
  return frame.ends_with(":0\r\n") && frame.find("unsubscribe\r\n") != std::string_view::npos;
}

}  // namespace

Upstream::Frame RedisUpstream::frameReply(const Pending&, std::string_view input) {
  const auto frame = framer_.frame(input);
  switch (frame.status) {
    case codec::RespReplyStatus::kComplete: return {FrameStatus::kComplete, frame.size};
    case codec::RespReplyStatus::kNeedMore: return {FrameStatus::kNeedMore, 0};
    default: return {FrameStatus::kInvalid, 0};
  }
}

std::string RedisUpstream::deliver(Pending& pending, std::string_view reply) {
  if (pending.client == nullptr) return {};
  pending.reply.clear();
  if (pending.command == nullptr) {
    pending.reply.assign(reply);  // a command the table does not know: passed through as is
    return {};
  }
  restoreRedisReply(*pending.command, pending.pattern, reply, snapshot_(), pending.reply);
  return {};
}

std::optional<size_t> RedisUpstream::takeUnsolicited(std::string_view input, bool idle) {
  const bool push = input[0] == '>';
  if (pinned_client_ == nullptr || !(push || (subscribed_ && idle))) return std::nullopt;
  const auto frame = codec::frameRespReply(input);
  if (frame.status == codec::RespReplyStatus::kNeedMore) return 0;
  const size_t size = frame.status == codec::RespReplyStatus::kComplete ? frame.size : input.size();
  const std::string_view frame_bytes = input.substr(0, size);
  auto message = std::make_shared<Pending>();  // delivered in order behind the replies before it
  // A tracking invalidation (>2 invalidate [keys]) names keys: the client's, not the stored ones.
  const auto restore = [](codec::RespPath path, std::string_view value) -> std::optional<std::string_view> {
    if (path.size() != 2 || path[0].index != 1) return std::nullopt;
    return route::Rewriter::restore(value);
  };
  if (!push || !codec::rewriteBulkStrings(frame_bytes, restore, message->reply).ok || message->reply.empty()) {
    message->reply.assign(frame_bytes);
  }
  pinned_client_->onUnsolicited(std::move(message));
  // Frames no request waits for keep being relayed afterwards too: requests pipelined while the
  // client was still subscribed were sent without a slot of their own.
  if (subscribed_ && subscription_ended_ && endsSubscription(frame_bytes)) subscription_ended_();
  return size;
}

}  // namespace vcproxy::net
