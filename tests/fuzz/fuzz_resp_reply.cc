// libFuzzer target: frame a Redis backend's byte stream (RESP2 and RESP3) reply after reply, and
// rewrite the bulk strings of every framed reply. Checks: the resumable framer fed growing
// prefixes agrees with one-shot framing; a strict prefix of a reply needs more; the rewriter
// accepts exactly one well-formed reply; the identity rewrite gives back the same bytes; adding a
// prefix to every string then stripping it again gives back the reply, and each rewrite is one
// well-formed reply; strings are offered in depth-first order with sensible paths.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_reply.h"

namespace vcproxy::fuzz {
namespace {

using codec::RespPath;
using codec::RespReplyFrame;
using codec::RespReplyStatus;
using codec::RespType;

constexpr std::string_view kPrefix = "v1:";

bool isOneReply(std::string_view bytes) {
  const RespReplyFrame frame = codec::frameRespReply(bytes);
  return frame.status == RespReplyStatus::kComplete && frame.size == bytes.size();
}

// The resumable framer, given ever longer prefixes of `input` (each an exactly sized copy),
// reaches the verdict one-shot framing gives on the whole input.
void checkFramerInPieces(std::string_view input, const RespReplyFrame& whole) {
  codec::RespReplyFramer framer;
  size_t have = 0;
  for (const size_t piece : randomPieces(input, 24)) {
    have += piece;
    const std::vector<char> prefix(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(have));
    const RespReplyFrame frame = framer.frame(std::string_view(prefix.data(), prefix.size()));
    if (frame.status == RespReplyStatus::kNeedMore) {
      require(frame.size == 0, "only a complete frame has a size");
      require(frame.needed == 0 || frame.needed > have, "needed is more than what is there");
      if (whole.status == RespReplyStatus::kComplete) {
        require(have < whole.size && frame.needed <= whole.size, "a prefix of a reply needs more, not more than it");
      }
      continue;
    }
    require(frame.status == whole.status && frame.size == whole.size, "framing in pieces frames as the whole");
    return;
  }
  require(whole.status == RespReplyStatus::kNeedMore, "framing in pieces frames as the whole");
}

// A rewrite callback that records what it is offered and checks the paths.
class Rewrite {
 public:
  enum class Mode { kKeep, kIdentity, kAddPrefix, kStripPrefix };
  explicit Rewrite(Mode mode) : mode_(mode) {}

  std::optional<std::string_view> operator()(RespPath path, std::string_view value) {
    checkPath(path);
    ++offered_;
    for (int k = 0; k <= static_cast<int>(codec::RedisReplyKeys::kFirstOfEachElement); ++k) {
      (void)codec::isReplyKeyPath(static_cast<codec::RedisReplyKeys>(k), path);
    }
    switch (mode_) {
      case Mode::kKeep: return std::nullopt;
      case Mode::kIdentity: return value;
      case Mode::kAddPrefix: return storage_.emplace_back(std::string(kPrefix).append(value));
      case Mode::kStripPrefix:
        if (!value.starts_with(kPrefix)) return std::nullopt;
        return storage_.emplace_back(value.substr(kPrefix.size()));
    }
    return std::nullopt;
  }

  size_t offered() const { return offered_; }
  size_t replaced() const { return storage_.size() + (mode_ == Mode::kIdentity ? offered_ : 0); }

 private:
  // Depth-first order: every path comes strictly after the one before and neither contains the other.
  void checkPath(RespPath path) {
    require(path.size() <= codec::kMaxRespPathDepth, "paths are at most kMaxRespPathDepth deep");
    std::vector<uint32_t> indexes;
    for (const auto& step : path) {
      require(step.parent == RespType::kArray || step.parent == RespType::kSet || step.parent == RespType::kMap ||
                  step.parent == RespType::kPush,
              "a path steps through arrays, sets, maps and pushes");
      indexes.push_back(step.index);
    }
    if (offered_ > 0) {
      require(previous_ < indexes, "strings are offered in depth-first order");
      const size_t common = std::min(previous_.size(), indexes.size());
      require(!std::equal(indexes.begin(), indexes.begin() + static_cast<std::ptrdiff_t>(common), previous_.begin()),
              "no offered string contains another");
    }
    previous_ = std::move(indexes);
  }

  Mode mode_;
  size_t offered_ = 0;
  std::vector<uint32_t> previous_;
  std::deque<std::string> storage_;  // replacements stay put until the rewrite returns
};

// Rewrites `reply` (one complete reply) with `rewrite`; checks the result is one well-formed
// reply and returns it (the original bytes when nothing was replaced).
std::string rewriteOne(std::string_view reply, Rewrite& rewrite) {
  std::string out = "x";  // rewriting appends
  const auto result = codec::rewriteBulkStrings(reply, rewrite, out);
  require(result.ok, "a framed reply rewrites");
  require(result.rewritten == rewrite.replaced(), "rewritten counts the replacements");
  if (result.rewritten == 0) {
    require(out == "x", "nothing replaced leaves the output alone");
    return std::string(reply);
  }
  require(isOneReply(std::string_view(out).substr(1)), "a rewritten reply is one well-formed reply");
  return out.substr(1);
}

void checkRewrites(std::string_view reply) {
  Rewrite keep(Rewrite::Mode::kKeep);
  rewriteOne(reply, keep);
  Rewrite identity(Rewrite::Mode::kIdentity);
  require(rewriteOne(reply, identity) == reply, "the identity rewrite gives back the same bytes");
  require(identity.offered() == keep.offered(), "the same strings are offered every time");

  Rewrite add(Rewrite::Mode::kAddPrefix);
  const std::string prefixed = rewriteOne(reply, add);
  Rewrite strip(Rewrite::Mode::kStripPrefix);
  require(rewriteOne(prefixed, strip) == reply, "stripping the added prefix gives back the reply");
  require(strip.replaced() == add.offered(), "every prefixed string is offered again");

  Rewrite strip_original(Rewrite::Mode::kStripPrefix);
  rewriteOne(reply, strip_original);  // checks that it is one well-formed reply
}

void frameAll(std::string_view input) {
  size_t at = 0;
  while (at < input.size()) {
    const std::string_view rest = input.substr(at);
    const RespReplyFrame frame = codec::frameRespReply(rest);
    checkFramerInPieces(rest, frame);
    Rewrite keep(Rewrite::Mode::kKeep);
    std::string out;
    const bool one_reply = frame.status == RespReplyStatus::kComplete && frame.size == rest.size();
    require(codec::rewriteBulkStrings(rest, keep, out).ok == one_reply, "the rewriter takes exactly one reply");
    if (frame.status != RespReplyStatus::kComplete) {
      require(frame.size == 0, "only a complete frame has a size");
      require(frame.status == RespReplyStatus::kInvalid || frame.needed == 0 || frame.needed > rest.size(),
              "needed is more than what is there");
      return;
    }
    require(frame.size > 0 && frame.size <= rest.size(), "0 < frame size <= input");
    const std::string_view reply = rest.substr(0, frame.size);
    require(isOneReply(reply), "a reply frames alone");
    const RespReplyFrame shorter = codec::frameRespReply(reply.substr(0, reply.size() - 1));
    require(shorter.status == RespReplyStatus::kNeedMore, "one byte less needs more");
    checkRewrites(reply);
    at += frame.size;
  }
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vcproxy::fuzz::frameAll(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
