#include "proxy/net/redis_upstream.h"

#include "proxy/codec/resp_encode.h"
#include "proxy/net/redis_client.h"
#include "proxy/net/redis_reply_keys.h"

namespace vcproxy::net {

RedisUpstream::RedisUpstream(uv_loop_t* loop, UpstreamOptions options, std::span<char> scratch, Snapshot snapshot,
                             Credentials credentials)
    : Upstream(loop, std::move(options), scratch),
      snapshot_(std::move(snapshot)),
      credentials_(std::move(credentials)) {}

void RedisUpstream::greet(std::string& out, std::deque<PendingPtr>& pendings) {
  if (!credentials_.password.empty()) {
    std::vector<std::string_view> args{"AUTH"};
    if (!credentials_.username.empty()) args.push_back(credentials_.username);
    args.push_back(credentials_.password);
    codec::appendRespCommand(args, out);
    auth_ = std::make_shared<Pending>();
    pendings.push_back(auth_);
  }
  if (readonly_) {
    static constexpr std::string_view kReadonly[] = {"READONLY"};
    codec::appendRespCommand(kReadonly, out);
    pendings.push_back(std::make_shared<Pending>());  // no client: its +OK is dropped
  }
}

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
  if (&pending == auth_.get()) {
    auth_.reset();
    // Redis' answer names no secret ("-WRONGPASS invalid username-password pair...").
    if (codec::isRespError(reply)) return "refused vcproxy's backend_auth: " + std::string(reply.substr(1, reply.find('\r') - 1));
    return {};
  }
  if (pending.resets && reply == "+RESET\r\n") {  // back to a fresh connection's state
    subscribed_ = subscribed_ && pending.epoch != subscriptions_;  // unless one began after RESET
    tracking_prefixes_.clear();
  }
  if (pending.client == nullptr) return {};
  if (pending.count_hits) static_cast<RedisClientConn*>(pending.client)->countHits(pending, reply);
  pending.reply.clear();
  if (pending.exec) {
    restoreExecReply(pending.queued, reply, snapshot_(), pending.reply);
  } else if (pending.command == nullptr) {
    pending.reply.assign(reply);  // a command the table does not know: passed through as is
  } else {
    restoreRedisReply(*pending.command, pending.pattern, reply, snapshot_(), pending.reply);
  }
  return {};
}

// RESP2 subscribed: a frame answers the front request only when it is RESET's own +RESET (any
// frame before it is a message published before RESET ran) or, once the subscription ended, a
// request sent with a slot; with nothing waiting it is a message, or the reply to a request sent
// while subscribed (those have no slot).
std::optional<size_t> RedisUpstream::takeUnsolicited(std::string_view input, const Pending* front) {
  const bool push = input[0] == '>';
  const bool message = subscribed_ && (front == nullptr || (front->resets && !input.starts_with("+RESET\r\n")));
  if (pinned_client_ == nullptr || !(push || message)) return std::nullopt;
  const auto frame = codec::frameRespReply(input);
  if (frame.status == codec::RespReplyStatus::kNeedMore) {
    // "+RESE" may yet become +RESET: wait for the whole line before deciding.
    return 0;
  }
  const size_t size = frame.status == codec::RespReplyStatus::kComplete ? frame.size : input.size();
  const std::string_view frame_bytes = input.substr(0, size);
  relay(frame_bytes, front);
  // Frames no request waits for keep being relayed afterwards too: requests pipelined while the
  // client was still subscribed were sent without a slot of their own.
  if (subscribed_ && subscription_ended_ && endsSubscription(frame_bytes)) subscription_ended_();
  return size;
}

// Delivered in order: before the reply to the oldest request still waiting.
void RedisUpstream::relay(std::string_view frame, const Pending* front) {
  auto message = std::make_shared<Pending>();
  // A tracking invalidation (a push, or a message of __redis__:invalidate for a REDIRECT target)
  // names keys: the client's, not the stored ones.
  if (!restoreInvalidation(frame, tracking_prefixes_, message->reply)) {
    message->reply.assign(frame);
  } else if (message->reply.empty()) {
    return;  // no key of it is the client's business
  }
  pinned_client_->onUnsolicited(std::move(message), front);
}

}  // namespace vcproxy::net
