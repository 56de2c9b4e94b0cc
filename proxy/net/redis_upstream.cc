#include "proxy/net/redis_upstream.h"

#include "proxy/net/redis_reply_keys.h"

namespace vcproxy::net {

RedisUpstream::RedisUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Versions versions)
    : Upstream(loop, std::move(options), scratch), versions_(std::move(versions)) {}

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
  restoreRedisReply(*pending.command, pending.pattern, reply, versions_(), pending.reply);
  return {};
}

std::optional<size_t> RedisUpstream::takeUnsolicited(std::string_view input, bool idle) {
  const bool push = input[0] == '>';
  if (pinned_client_ == nullptr || !(push || (subscribed_ && idle))) return std::nullopt;
  const auto frame = codec::frameRespReply(input);
  if (frame.status == codec::RespReplyStatus::kNeedMore) return 0;
  const size_t size = frame.status == codec::RespReplyStatus::kComplete ? frame.size : input.size();
  auto message = std::make_shared<Pending>();  // delivered in order behind the replies before it
  message->reply.assign(input.substr(0, size));
  pinned_client_->onUnsolicited(std::move(message));
  return size;
}

}  // namespace vcproxy::net
