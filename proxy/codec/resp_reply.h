// Replies from a Redis backend, RESP2 and RESP3: framing (where does one reply end) and a walker
// that rewrites chosen bulk strings, to restore the client's keys in KEYS, SCAN, BLPOP, XREAD...
//
// All functions read the caller's bytes in place and allocate nothing (the rewriter only appends
// to the caller's output string).
//
// Streamed RESP3 values (`$?` with `;len` chunks, `*?` ... `.`), which the RESP3 specification
// defines, are rejected as kInvalid: no reply of redis-server (7.x included) uses them, so meeting
// one means the connection is not what the proxy thinks it is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace vcproxy::codec {

enum class RespType : char {
  kSimpleString = '+',
  kError = '-',
  kInteger = ':',
  kBulkString = '$',  // `$-1` is the RESP2 null bulk string
  kArray = '*',       // `*-1` is the RESP2 null array
  kNull = '_',
  kDouble = ',',
  kBoolean = '#',
  kBigNumber = '(',
  kBulkError = '!',
  kVerbatim = '=',  // `=len\r\ntxt:...`: a bulk whose first 4 bytes are the format
  kMap = '%',
  kSet = '~',
  kAttribute = '|',  // annotates the value that follows it; not an element by itself
  kPush = '>',       // out-of-band data (pub/sub, client tracking invalidations)
};

enum class RespReplyStatus : uint8_t { kComplete, kNeedMore, kInvalid };

// Longest aggregate accepted: element positions then fit in 32 bits, map keys and values too.
inline constexpr int64_t kMaxRespAggregateLength = 2147483647;
// Longest bulk accepted; also keeps every offset computation far from overflow.
inline constexpr int64_t kMaxRespBulkLength = int64_t{1} << 48;

// One value's header as it appears at some position of a reply.
struct RespItem {
  RespType type = RespType::kNull;
  size_t size = 0;  // strings, numbers, nulls: the whole value; aggregates: the header line only
  int64_t count = 0;  // aggregates: elements that follow (2N for maps and attributes);
                      // -1 for the RESP2 nulls `$-1` and `*-1`; 0 for everything else
  std::string_view data;  // bulk types: the payload; line types: the line without its type byte
};

// Reads the value header at `pos`. kNeedMore sets `needed` to the total input size needed, when
// known (a bulk's payload). kInvalid: not RESP, or a type or length the server never sends.
RespReplyStatus readRespItem(std::string_view input, size_t pos, RespItem& item, size_t& needed);

struct RespReplyFrame {
  RespReplyStatus status = RespReplyStatus::kNeedMore;
  size_t size = 0;    // kComplete: bytes of the whole reply
  size_t needed = 0;  // kNeedMore: total bytes needed at least, when known
};

// Frames one complete reply, nesting included, in one pass and constant space: it only counts
// the values still expected (an aggregate of N replaces one expected value with N; an attribute
// adds its 2N without taking the place of the value it annotates).
//
// Resumable like the request decoder: every call passes the input starting at the same reply,
// possibly longer; progress is kept as an offset. After kComplete or kInvalid it starts afresh.
class RespReplyFramer {
 public:
  RespReplyFrame frame(std::string_view input);
  void reset();

 private:
  size_t pos_ = 0;         // the values before this offset are read
  uint64_t expected_ = 1;  // values still to read
};

// One-shot framing of the reply at the start of `input`.
RespReplyFrame frameRespReply(std::string_view input);

// Where a value sits in a reply: one step per enclosing aggregate, outermost first. The path of
// the top-level value is empty. In a map, key i is at index 2i and its value at 2i+1.
struct RespPathStep {
  uint32_t index = 0;
  RespType parent = RespType::kArray;  // kArray, kSet, kMap or kPush
};
using RespPath = std::span<const RespPathStep>;

// Strings deeper than this are not offered to the rewriter (their aggregates are skipped whole).
// Key-carrying replies are at most 3 deep, one more inside EXEC.
inline constexpr size_t kMaxRespPathDepth = 16;

// Returns the replacement for a bulk string, or nullopt to keep it. The replacement must stay
// valid until the call returns and must not point into the output string.
using RespRewriteFn = std::optional<std::string_view> (*)(void* context, RespPath path, std::string_view value);

struct RespRewriteResult {
  bool ok = false;       // false: `reply` is not exactly one well-formed reply
  size_t rewritten = 0;  // bulk strings replaced
};

// Offers every non-null bulk string (`$`) of one complete `reply` to `fn`, with its path.
// Attribute values are never offered. When at least one string is replaced, the whole reply,
// rewritten, is appended to `out`; when none is, `out` is left alone and the caller can send the
// original bytes. On failure `out` is left as it was.
RespRewriteResult rewriteBulkStrings(std::string_view reply, RespRewriteFn fn, void* context, std::string& out);

// The same with any callable `std::optional<std::string_view>(RespPath, std::string_view)`.
template <typename Fn>
  requires std::is_invocable_r_v<std::optional<std::string_view>, Fn&, RespPath, std::string_view>
RespRewriteResult rewriteBulkStrings(std::string_view reply, Fn&& fn, std::string& out) {
  auto thunk = [](void* context, RespPath path, std::string_view value) -> std::optional<std::string_view> {
    return (*static_cast<std::remove_reference_t<Fn>*>(context))(path, value);
  };
  return rewriteBulkStrings(reply, thunk, const_cast<void*>(static_cast<const void*>(&fn)), out);
}

// True for `-ERR ...` and RESP3 `!len` errors.
inline bool isRespError(std::string_view reply) {
  return !reply.empty() && (reply[0] == '-' || reply[0] == '!');
}

}  // namespace vcproxy::codec
