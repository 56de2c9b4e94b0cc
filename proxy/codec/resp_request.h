// Decoding of Redis requests from a client's input buffer: RESP multibulk (`*N\r\n$len\r\n...`)
// and inline commands (`SET k v\r\n`), with the limits and error replies of redis-server 7.0.
//
// A decoded multibulk request refers to the input by views: nothing is copied. Inline arguments
// are unescaped into the request's own storage. The caller keeps the input alive and unchanged
// until it has encoded the request upstream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

struct RespLimits {
  // Redis 7.0 accepts up to INT_MAX arguments (checked on redis-server 7.0.15: `*1048577` and
  // `*2147483647` wait for arguments, `*2147483648` is refused); Redis 6 refused more than
  // 1024*1024. Arguments are only stored as they arrive, so a large count costs nothing.
  int64_t max_multibulk_count = 2147483647;
  int64_t max_bulk_length = 512 * 1024 * 1024;  // proto-max-bulk-len
  // PROTO_INLINE_MAX_SIZE: bounds an inline line and the `*N` / `$len` header lines.
  size_t max_inline_size = 64 * 1024;
};

struct RespRequest {
  std::vector<std::string_view> args;  // args[0] is the command name; reused between requests
  bool is_inline = false;              // came as an inline command: args point into inline_storage
  std::string inline_storage;          // unescaped inline arguments; reused
};

enum class RespDecodeStatus : uint8_t {
  kRequest,   // `request.args` holds a command (at least one argument)
  kEmpty,     // an empty inline line, `*0` or `*-1`: the server runs nothing and answers nothing
  kNeedMore,  // not a complete request yet
  kError,     // protocol error: send `reply`, then close the connection (as Redis does)
};

struct RespDecodeResult {
  RespDecodeStatus status = RespDecodeStatus::kNeedMore;
  size_t consumed = 0;     // kRequest and kEmpty: bytes of input used
  size_t needed = 0;       // kNeedMore: total bytes the request needs at least, when known.
                           // From the client's bulk length: grow toward it, never allocate it.
  std::string_view reply;  // kError: the complete reply, "-ERR Protocol error: ...\r\n"
  bool close = false;      // kError: always true; nothing after the error is read
};

// Decodes one request at a time. Progress inside a request is kept between calls (so a large
// request arriving in pieces is scanned once), as offsets into the input, so the caller's buffer
// may move or grow between calls. Contract: every call passes the input starting at the same
// request, with possibly more bytes appended; after kRequest or kEmpty, drop `consumed` bytes
// and the next call starts at the next request. After kError the decoder must be reset().
//
// Like Redis, the decoder does not check the two bytes that end a bulk argument, and after a
// header line's '\r' takes any byte as its '\n'. A NUL byte before the end of a header or inline
// line hides the line end (the server scans with strchr), so such a line only ends in the
// "too big" error. A line end must come within the first `max_inline_size + 1` bytes: Redis
// checks the size whenever a read leaves the line incomplete, so this is its verdict when bytes
// arrive one at a time, and the same verdict whatever the split of the input.
class RespRequestDecoder {
 public:
  explicit RespRequestDecoder(RespLimits limits = {}) : limits_(limits) {}

  RespDecodeResult decode(std::string_view input, RespRequest& request);
  void reset();

 private:
  struct ArgSpan {
    size_t offset;
    size_t size;
  };

  RespDecodeResult decodeInline(std::string_view input, RespRequest& request);
  RespDecodeResult decodeMultibulk(std::string_view input, RespRequest& request);
  RespDecodeResult readCount(std::string_view input);
  RespDecodeResult readBulkLength(std::string_view input);
  RespDecodeResult finish(std::string_view input, RespRequest& request);
  RespDecodeResult fail(std::string_view reply);
  RespDecodeResult expectedDollar(char got);
  size_t findLineEnd(std::string_view input, size_t from, char end);
  void lineDone();

  RespLimits limits_;
  int64_t args_left_ = 0;   // arguments still to read; 0 until the `*N` line is read
  int64_t bulk_length_ = -1;  // length of the argument whose `$len` line is read, or -1
  size_t pos_ = 0;          // next byte to read
  size_t scanned_ = 0;      // the current line's end was searched for up to here
  bool line_hidden_ = false;  // a NUL came before the current line's end: it never ends
  std::vector<ArgSpan> spans_;  // arguments read so far; reused
  std::array<char, 64> error_{};  // storage of the one reply that carries a byte of input
};

}  // namespace vcproxy::codec
