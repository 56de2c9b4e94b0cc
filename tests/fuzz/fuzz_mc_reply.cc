// libFuzzer target: frame a backend byte stream as the replies to requests of every verb, then
// restore keys in every framed reply. Checks: framing is consistent (a strict prefix of a reply
// needs more, the reply alone frames the same, and so does framing resumed where a prefix
// stopped), restoring with the identity changes nothing (apart from meta line spacing), and a
// restored reply is still one complete reply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "proxy/codec/mc_reply.h"

namespace vcproxy::fuzz {
namespace {

using codec::McReplyStatus;
using codec::McVerb;

// A meta reply line as memcached writes it: single spaces, CRLF; tokenising it changes nothing.
bool isCanonicalLine(std::string_view reply) {
  const size_t newline = reply.find('\n');
  if (newline == 0 || reply[newline - 1] != '\r') return false;
  const std::string_view line = reply.substr(0, newline - 1);
  return !line.empty() && line.front() != ' ' && line.back() != ' ' && line.find("  ") == std::string_view::npos;
}

void checkRestore(McVerb verb, std::string_view reply) {
  std::string same;
  codec::restoreMcReply(verb, reply, identity, same);
  const bool meta = codec::isMeta(verb);
  if (!meta || isCanonicalLine(reply)) require(same == reply, "restoring with the identity changes nothing");

  std::string restored = "x";
  codec::restoreMcReply(verb, reply, stripPrefix, restored);
  const std::string_view out = std::string_view(restored).substr(1);
  require(out.size() <= reply.size() + 1, "restoring never grows a reply (but LF to CRLF)");
  if (!meta || isCanonicalLine(reply)) {
    const auto again = codec::frameMcReply(verb, out);
    require(again.status == McReplyStatus::kComplete && again.size == out.size(),
            "a restored reply is one complete reply");
  }
  (void)codec::isHiddenByQuietMode(verb, reply);
}

void frameAll(McVerb verb, std::string_view input) {
  size_t at = 0;
  while (at < input.size()) {
    const std::string_view rest = input.substr(at);
    const auto frame = codec::frameMcReply(verb, rest);
    if (frame.status == McReplyStatus::kInvalid) {
      require(frame.size == 0, "an invalid frame has no size");
      return;
    }
    if (frame.status == McReplyStatus::kNeedMore) {
      require(frame.size <= rest.size(), "the part already checked is within the input");
      require(frame.needed == 0 || frame.needed > rest.size(), "a reply that needs more needs more than is there");
      const auto resumed = codec::frameMcReply(verb, rest, frame.size);
      require(resumed.status == frame.status && resumed.size == frame.size, "resuming where it stopped agrees");
      return;
    }
    require(frame.size > 0 && frame.size <= rest.size(), "0 < frame size <= input");
    const std::string_view reply = rest.substr(0, frame.size);
    require(reply.back() == '\n', "a reply ends with a line end");
    const auto alone = codec::frameMcReply(verb, reply);
    require(alone.status == McReplyStatus::kComplete && alone.size == frame.size, "a reply frames alone");
    const auto shorter = codec::frameMcReply(verb, reply.substr(0, reply.size() - 1));
    require(shorter.status == McReplyStatus::kNeedMore, "one byte less needs more");
    require(shorter.needed <= frame.size, "what a reply needs at least is never more than it takes");
    const auto resumed = codec::frameMcReply(verb, reply, shorter.size);
    require(resumed.status == McReplyStatus::kComplete && resumed.size == frame.size,
            "resumed after the entries checked, the reply frames the same");
    checkRestore(verb, reply);
    at += frame.size;
  }
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int v = 0; v <= static_cast<int>(vcproxy::codec::McVerb::kMetaDebug); ++v) {
    vcproxy::fuzz::frameAll(static_cast<vcproxy::codec::McVerb>(v), input);
  }
  return 0;
}
