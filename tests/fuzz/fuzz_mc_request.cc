// libFuzzer target: decode a buffer as a client connection does (request after request, honouring
// skip and close), check every result's invariants and encode every request upstream, with the
// same keys and with versioned keys. Must never crash or read outside the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "proxy/codec/mc_encode.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::fuzz {
namespace {

using codec::McDecodeResult;
using codec::McDecodeStatus;
using codec::McRequest;

void checkRequest(std::string_view taken, const McRequest& request) {
  require(!request.tokens.empty(), "a request has a verb token");
  require(request.tokens[0] == codec::mcVerbName(request.verb), "tokens[0] is the verb");
  for (const auto token : request.tokens) {
    require(!token.empty() && within(token, taken), "tokens are non-empty views of the request");
    require(token.find(' ') == std::string_view::npos && token.find('\n') == std::string_view::npos,
            "tokens hold no space or newline");
  }
  require(request.first_key + request.key_count <= request.tokens.size(), "keys are tokens");
  const bool keyless = request.verb == codec::McVerb::kFlushAll || request.verb == codec::McVerb::kVersion ||
                       request.verb == codec::McVerb::kVerbosity || request.verb == codec::McVerb::kStats;
  require(keyless == (request.key_count == 0), "keyed verbs have keys, the others none");
  for (uint32_t i = 0; i < request.key_count; ++i) {
    const std::string_view key = request.key(i);
    if (request.base64_keys) {
      std::string decoded;
      require(codec::base64Decode(key, decoded), "a forwarded base64 key is valid base64");
      require(!decoded.empty() && decoded.size() <= codec::kMaxKeyLength, "decoded key length");
    } else {
      require(codec::isValidTextKey(key), "a forwarded text key has no control bytes or spaces");
      require(key.size() <= codec::kMaxKeyLength, "a forwarded key fits memcached's limit");
    }
  }
  if (codec::hasDataBlock(request.verb)) {
    require(within(request.value, taken), "the value is a view of the request");
    require(request.value.data() + request.value.size() + 2 == taken.data() + taken.size(),
            "the value ends 2 bytes before the request");
    require(taken.substr(taken.size() - 2) == "\r\n", "the data block ends in CRLF");
  } else {
    require(request.value.empty(), "only storage requests have a value");
  }
}

void checkEncode(const McRequest& request) {
  const auto keys = keysOf(request);
  std::string out = "x";
  codec::encodeMcRequest(request, keys, out);
  require(out.size() > 3 && out.ends_with("\r\n"), "an encoded request ends in CRLF");
  const size_t line_end = out.find('\n');
  require(line_end != std::string::npos && out[line_end - 1] == '\r', "the encoded line ends in CRLF");
  if (!codec::hasDataBlock(request.verb)) require(line_end + 1 == out.size(), "one line, nothing else");

  std::vector<std::string> versioned;
  for (const auto key : keys) versioned.push_back(versionedKey(key, request.base64_keys));
  const std::vector<std::string_view> versioned_views(versioned.begin(), versioned.end());
  std::string rewritten;
  codec::encodeMcRequest(request, versioned_views, rewritten);
  for (const auto& key : versioned) require(rewritten.find(key) != std::string::npos, "every new key is sent");
}

void checkResult(const codec::McRequestDecoder& decoder, std::string_view rest, const McDecodeResult& result,
                 const McRequest& request) {
  require(result.consumed > 0 && result.consumed <= rest.size(), "0 < consumed <= input");
  if (result.status == McDecodeStatus::kRequest) {
    require(result.skip == 0 && result.reply.empty() && !result.close, "a request carries no answer");
    checkRequest(rest.substr(0, result.consumed), request);
    checkEncode(request);
  } else {
    require(result.reply.empty() || result.reply.ends_with("\r\n"), "an answer is whole lines");
  }
  if (result.close) return;
  // The decision depends only on the bytes it consumed, and needed all of them.
  McRequest again;
  const auto same = decoder.decode(rest.substr(0, result.consumed), again);
  require(same.status == result.status && same.consumed == result.consumed && same.skip == result.skip &&
              same.reply == result.reply,
          "decoding exactly the consumed bytes gives the same result");
  const auto shorter = decoder.decode(rest.substr(0, result.consumed - 1), again);
  require(shorter.status == McDecodeStatus::kNeedMore && shorter.consumed == 0,
          "one byte less needs more");
}

void decodeAll(const codec::McLimits& limits, std::string_view input) {
  const codec::McRequestDecoder decoder(limits);
  McRequest request;
  size_t at = 0;
  while (at < input.size()) {
    const std::string_view rest = input.substr(at);
    const auto result = decoder.decode(rest, request);
    if (result.status == McDecodeStatus::kNeedMore) {
      require(result.consumed == 0, "kNeedMore consumes nothing");
      require(result.needed == 0 || result.needed > rest.size(), "needed is more than what is there");
      return;
    }
    checkResult(decoder, rest, result, request);
    at += result.consumed;
    at += std::min(result.skip, input.size() - at);
    if (result.close) return;
  }
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Small limits make "too large" and "line too long" reachable; default limits as deployed.
  vcproxy::fuzz::decodeAll({.max_value_bytes = 64, .max_line_bytes = 300}, input);
  vcproxy::fuzz::decodeAll({}, input);
  return 0;
}
