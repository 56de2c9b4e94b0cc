#include "proxy/net/mc_upstream.h"

#include <functional>

#include "proxy/codec/mc_reply.h"
#include "proxy/net/mc_hits.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {

Upstream::Frame McUpstream::frameReply(const Pending& front, std::string_view input) {
  const auto frame = codec::frameMcReply(front.verb, input, resume_at_);
  resume_at_ = frame.status == codec::McReplyStatus::kNeedMore ? frame.size : 0;
  switch (frame.status) {
    case codec::McReplyStatus::kComplete: return {FrameStatus::kComplete, frame.size};
    case codec::McReplyStatus::kNeedMore: return {FrameStatus::kNeedMore, frame.needed};
    default: return {FrameStatus::kInvalid, 0};
  }
}

std::string McUpstream::deliver(Pending& pending, std::string_view reply) {
  if (pending.client == nullptr) return {};  // the client went away, or the proxy's own request
  pending.reply.clear();
  const bool meta = codec::isMeta(pending.verb);
  const bool hidden = pending.noreply && (!meta || codec::isHiddenByQuietMode(pending.verb, reply));
  // Large values go to the client from the buffer they were read into, not copied.
  std::shared_ptr<const char[]> block;
  const auto take_block = [&](std::string_view bytes) {
    if (!pending.may_slice || bytes.size() < kMinSliceBytes) return false;
    if (block == nullptr && (block = inputBlock()) == nullptr) return false;
    pending.slices.push_back({pending.reply.size(), bytes, block});
    counters().zero_copy_bytes.add(bytes.size());
    return true;
  };
  if (!pending.keys_rewritten) {
    if (!hidden && !take_block(reply)) pending.reply.assign(reply);
    return {};
  }
  // A hidden reply is a miss or a write (EN, HD...): nothing there to restore or count.
  if (hidden) return {};
  // By reference: a std::function holding the lambda itself would allocate for every reply.
  const size_t values =
      codec::restoreMcReply(pending.verb, reply, &route::Rewriter::restore, pending.reply, std::ref(take_block));
  countMcHits(worker_, pending, reply, values);
  return {};
}

}  // namespace vcproxy::net
