#include "proxy/codec/resp_request.h"

#include <algorithm>
#include <cstring>

#include "proxy/codec/resp_inline.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::codec {
namespace {

// The replies of redis-server 7.0 (networking.c), checked byte for byte against 7.0.15.
constexpr std::string_view kInvalidMultibulk = "-ERR Protocol error: invalid multibulk length\r\n";
constexpr std::string_view kInvalidBulk = "-ERR Protocol error: invalid bulk length\r\n";
constexpr std::string_view kTooBigInline = "-ERR Protocol error: too big inline request\r\n";
constexpr std::string_view kTooBigCount = "-ERR Protocol error: too big mbulk count string\r\n";
constexpr std::string_view kTooBigBulkCount = "-ERR Protocol error: too big bulk count string\r\n";
constexpr std::string_view kUnbalanced = "-ERR Protocol error: unbalanced quotes in request\r\n";

constexpr size_t kNotFound = std::string_view::npos;

RespDecodeResult needMore(size_t needed = 0) { return {RespDecodeStatus::kNeedMore, 0, needed, {}, false}; }

}  // namespace

void RespRequestDecoder::reset() {
  args_left_ = 0;
  bulk_length_ = -1;
  pos_ = 0;
  spans_.clear();
  lineDone();
}

RespDecodeResult RespRequestDecoder::decode(std::string_view input, RespRequest& request) {
  if (input.empty()) return needMore();
  // Redis picks the request type from its first byte.
  return input[0] == '*' ? decodeMultibulk(input, request) : decodeInline(input, request);
}

RespDecodeResult RespRequestDecoder::fail(std::string_view reply) {
  reset();
  return {RespDecodeStatus::kError, 0, 0, reply, true};
}

// Finds the byte `end` of the line starting at `from`, searching at most max_inline_size + 1
// bytes. Returns kNotFound when the line is incomplete or hidden by a NUL (strchr stops there);
// the caller tells a line that can still end from one that is too big.
size_t RespRequestDecoder::findLineEnd(std::string_view input, size_t from, char end) {
  if (line_hidden_) return kNotFound;
  const size_t window_end = std::min(input.size(), from + limits_.max_inline_size + 1);
  size_t i = std::max(from, scanned_);
  for (; i < window_end; ++i) {
    if (input[i] == end) return i;
    if (input[i] == '\0') {
      line_hidden_ = true;
      return kNotFound;
    }
  }
  scanned_ = i;  // resume here when more bytes arrive
  return kNotFound;
}

// A header or inline line was read: the next line search starts afresh.
void RespRequestDecoder::lineDone() {
  scanned_ = 0;
  line_hidden_ = false;
}

RespDecodeResult RespRequestDecoder::decodeInline(std::string_view input, RespRequest& request) {
  const size_t newline = findLineEnd(input, 0, '\n');
  if (newline == kNotFound) {
    return input.size() > limits_.max_inline_size ? fail(kTooBigInline) : needMore();
  }
  reset();
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  request.is_inline = true;
  if (!splitInlineArgs(line, request.inline_storage, request.args)) return fail(kUnbalanced);
  const auto status = request.args.empty() ? RespDecodeStatus::kEmpty : RespDecodeStatus::kRequest;
  return {status, newline + 1, 0, {}, false};
}

RespDecodeResult RespRequestDecoder::decodeMultibulk(std::string_view input, RespRequest& request) {
  if (args_left_ == 0) {
    RespDecodeResult header = readCount(input);
    if (header.status != RespDecodeStatus::kRequest) return header;
    if (args_left_ <= 0) {  // `*0` and negative counts: nothing to run
      const size_t consumed = pos_;
      reset();
      return {RespDecodeStatus::kEmpty, consumed, 0, {}, false};
    }
  }
  while (args_left_ > 0) {
    if (bulk_length_ < 0) {
      RespDecodeResult header = readBulkLength(input);
      if (header.status != RespDecodeStatus::kRequest) return header;
    }
    // The argument and the two bytes that end it; lengths are bounded, so this cannot overflow.
    const size_t end = pos_ + static_cast<size_t>(bulk_length_) + 2;
    if (input.size() < end) return needMore(end);
    spans_.push_back({pos_, static_cast<size_t>(bulk_length_)});
    pos_ = end;
    bulk_length_ = -1;
    --args_left_;
  }
  return finish(input, request);
}

// Reads `*N\r\n`. Returns kRequest when read (args_left_ set, possibly <= 0).
RespDecodeResult RespRequestDecoder::readCount(std::string_view input) {
  const size_t cr = findLineEnd(input, 0, '\r');
  if (cr == kNotFound) return input.size() > limits_.max_inline_size ? fail(kTooBigCount) : needMore();
  if (cr + 1 >= input.size()) return needMore();  // the byte after '\r' has not arrived
  int64_t count = 0;
  if (!parseRedisInteger(input.substr(1, cr - 1), count) || count > limits_.max_multibulk_count) {
    return fail(kInvalidMultibulk);
  }
  pos_ = cr + 2;
  lineDone();
  args_left_ = count;
  return {RespDecodeStatus::kRequest, 0, 0, {}, false};
}

// Reads `$len\r\n` at pos_. Returns kRequest when read (bulk_length_ set).
RespDecodeResult RespRequestDecoder::readBulkLength(std::string_view input) {
  const size_t cr = findLineEnd(input, pos_, '\r');
  if (cr == kNotFound) {
    return input.size() - pos_ > limits_.max_inline_size ? fail(kTooBigBulkCount) : needMore();
  }
  if (cr + 1 >= input.size()) return needMore();
  if (input[pos_] != '$') return expectedDollar(input[pos_]);
  int64_t length = 0;
  if (!parseRedisInteger(input.substr(pos_ + 1, cr - pos_ - 1), length) || length < 0 ||
      length > limits_.max_bulk_length) {
    return fail(kInvalidBulk);
  }
  pos_ = cr + 2;
  lineDone();
  bulk_length_ = length;
  return {RespDecodeStatus::kRequest, 0, 0, {}, false};
}

// Redis formats the byte with %c and replaces CR and LF with spaces so the reply stays one line.
// (A NUL cannot get here: it hides the line end, see findLineEnd.)
RespDecodeResult RespRequestDecoder::expectedDollar(char got) {
  constexpr std::string_view kPrefix = "-ERR Protocol error: expected '$', got '";
  constexpr std::string_view kSuffix = "'\r\n";
  char* out = error_.data();
  std::memcpy(out, kPrefix.data(), kPrefix.size());
  out[kPrefix.size()] = got == '\r' || got == '\n' ? ' ' : got;
  std::memcpy(out + kPrefix.size() + 1, kSuffix.data(), kSuffix.size());
  return fail({out, kPrefix.size() + 1 + kSuffix.size()});
}

RespDecodeResult RespRequestDecoder::finish(std::string_view input, RespRequest& request) {
  request.is_inline = false;
  request.args.clear();
  for (const ArgSpan& span : spans_) request.args.push_back(input.substr(span.offset, span.size));
  const size_t consumed = pos_;
  reset();
  return {RespDecodeStatus::kRequest, consumed, 0, {}, false};
}

}  // namespace vcproxy::codec
