// libFuzzer target: decode a client's byte stream as Redis requests (RESP multibulk and inline)
// the way a connection does, receiving it whole, one byte at a time and in pieces drawn from the
// input. Every way must give the same requests, empties and error; each result keeps its
// contract (0 < consumed <= input, views into the input or the inline storage, needed beyond
// what is there); after kError the decoder is as new; a request re-encoded upstream decodes to
// the same arguments.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/codec/resp_request.h"

namespace vcproxy::fuzz {
namespace {

using codec::RespDecodeResult;
using codec::RespDecodeStatus;
using codec::RespLimits;
using codec::RespRequest;

// What a client sees of one decode step; arguments are copied because the buffer moves on.
struct Event {
  RespDecodeStatus status;
  std::vector<std::string> args;
  std::string reply;
  bool operator==(const Event&) const = default;
};

bool sameResult(const RespDecodeResult& a, const RespRequest& request_a, const RespDecodeResult& b,
                const RespRequest& request_b) {
  if (a.status != b.status || a.consumed != b.consumed || a.needed != b.needed || a.reply != b.reply ||
      a.close != b.close) {
    return false;
  }
  return a.status != RespDecodeStatus::kRequest || request_a.args == request_b.args;
}

// After kError the decoder must be reset: it decodes `probe` exactly as a new decoder does.
void checkResetAfterError(const RespLimits& limits, codec::RespRequestDecoder& used, std::string_view probe) {
  RespRequest after;
  RespRequest fresh;
  codec::RespRequestDecoder new_decoder(limits);
  const auto a = used.decode(probe, after);
  const auto b = new_decoder.decode(probe, fresh);
  require(sameResult(a, after, b, fresh), "after kError the decoder decodes like a new one");
  used.reset();
}

// The arguments sent upstream as one multibulk request decode to the same arguments.
void checkReencode(const RespRequest& request) {
  std::string encoded;
  codec::appendRespCommand(request.args, encoded);
  codec::RespRequestDecoder decoder;
  RespRequest again;
  const auto result = decoder.decode(encoded, again);
  require(result.status == RespDecodeStatus::kRequest && result.consumed == encoded.size(),
          "a re-encoded request is exactly one request");
  require(again.args == request.args, "a re-encoded request has the same arguments");
}

void checkRequest(std::string_view taken, const RespRequest& request) {
  require(!request.args.empty(), "a request has at least one argument");
  for (const auto arg : request.args) {
    const std::string_view storage = request.is_inline ? std::string_view(request.inline_storage) : taken;
    require(arg.empty() || within(arg, storage), "arguments are views of the input or the inline storage");
  }
  checkReencode(request);
}

// Checks one non-kNeedMore result decoded from `rest` (what is buffered); `needed` is the most a
// kNeedMore said this request needs.
void checkResult(std::string_view rest, const RespDecodeResult& result, const RespRequest& request, size_t needed) {
  if (result.status == RespDecodeStatus::kError) {
    require(result.close && result.consumed == 0, "an error closes and consumes nothing");
    require(result.reply.starts_with("-ERR Protocol error: ") && result.reply.ends_with("\r\n") &&
                result.reply.find('\n') == result.reply.size() - 1,
            "an error reply is one -ERR Protocol error line");
    return;
  }
  require(!result.close && result.reply.empty(), "only an error closes or replies");
  require(result.consumed > 0 && result.consumed <= rest.size(), "0 < consumed <= input");
  require(result.consumed >= needed, "a request is at least as long as it said it needs");
  if (result.status == RespDecodeStatus::kRequest) checkRequest(rest.substr(0, result.consumed), request);
}

// Feeds `input` in pieces as a connection receives it: append, decode until need-more, drop what
// was consumed; stop at the first error (the connection closes). Each decode sees an exactly sized
// copy of what has arrived, so a read past it is a heap overflow.
std::vector<Event> decodeInPieces(const RespLimits& limits, std::string_view input, const std::vector<size_t>& pieces) {
  codec::RespRequestDecoder decoder(limits);
  RespRequest request;
  std::string buffer;
  std::vector<Event> events;
  size_t offset = 0;
  size_t needed = 0;
  for (const size_t piece : pieces) {
    buffer.append(input.substr(offset, piece));
    offset += piece;
    const std::vector<char> arrived(buffer.begin(), buffer.end());
    size_t start = 0;
    while (start < arrived.size()) {
      const std::string_view rest(arrived.data() + start, arrived.size() - start);
      const RespDecodeResult result = decoder.decode(rest, request);
      if (result.status == RespDecodeStatus::kNeedMore) {
        require(result.consumed == 0 && !result.close, "kNeedMore consumes nothing");
        require(result.needed == 0 || result.needed > rest.size(), "needed is more than what is there");
        needed = std::max(needed, result.needed);
        break;
      }
      checkResult(rest, result, request, needed);
      Event event{result.status, {}, std::string(result.reply)};
      if (result.status == RespDecodeStatus::kRequest) event.args.assign(request.args.begin(), request.args.end());
      events.push_back(std::move(event));
      if (result.status == RespDecodeStatus::kError) {
        checkResetAfterError(limits, decoder, rest);
        return events;
      }
      start += result.consumed;
      needed = 0;
    }
    buffer.erase(0, start);
  }
  return events;
}

void decodeEveryWay(const RespLimits& limits, std::string_view input) {
  const auto whole = decodeInPieces(limits, input, wholePiece(input));
  require(decodeInPieces(limits, input, randomPieces(input, 16)) == whole, "random pieces decode as the whole");
  require(decodeInPieces(limits, input, bytePieces(input)) == whole, "bytes one at a time decode as the whole");
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Small limits make every "too big" and "invalid length" reachable; then the defaults.
  vcproxy::fuzz::decodeEveryWay({.max_multibulk_count = 8, .max_bulk_length = 16, .max_inline_size = 32}, input);
  vcproxy::fuzz::decodeEveryWay({}, input);
  return 0;
}
