// libFuzzer target (differential): every request decoded from the input is encoded upstream with
// its own keys and decoded again. The two must agree (verb, keys, value, base64, tokens) apart from
// the dropped noreply / meta q; and memcached, reading the encoded line its own way, must answer
// it exactly once (no noreply, no quiet flag: the proxy applies those itself). Encoding with
// versioned keys must change exactly the keys.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "proxy/codec/mc_encode.h"
#include "proxy/codec/mc_request.h"
#include "proxy/codec/text.h"

namespace vcproxy::fuzz {
namespace {

using codec::McDecodeStatus;
using codec::McRequest;
using codec::McVerb;

// The tokens the proxy means to send: the request's, without noreply / meta q.
std::vector<std::string_view> expectedTokens(const McRequest& request) {
  std::vector<std::string_view> tokens;
  const bool meta = codec::isMeta(request.verb);
  for (size_t i = 0; i < request.tokens.size(); ++i) {
    const bool key = i >= request.first_key && i < request.first_key + request.key_count;
    const size_t first_flag = request.verb == McVerb::kMetaSet ? 3 : 2;
    const bool quiet_capable = meta && request.verb != McVerb::kMetaDebug;  // `me` has no q flag
    if (!key && quiet_capable && i >= first_flag && request.tokens[i][0] == 'q') continue;  // any q… flag is quiet
    if (!meta && request.noreply && i + 1 == request.tokens.size() && request.tokens[i] == "noreply") continue;
    tokens.push_back(request.tokens[i]);
  }
  return tokens;
}

// The token counts memcached 1.6.18 accepts for a text command (WANT_TOKENS, its terminal token
// not counted); within them it honours a trailing noreply. {0, 0}: never noreply.
struct TokenRange {
  size_t min = 0;
  size_t max = 0;
};

TokenRange noreplyTokenRange(McVerb verb) {
  switch (verb) {
    case McVerb::kCas: return {6, 7};
    case McVerb::kSet:
    case McVerb::kAdd:
    case McVerb::kReplace:
    case McVerb::kAppend:
    case McVerb::kPrepend: return {5, 6};
    case McVerb::kDelete: return {3, 4};  // "delete noreply" deletes the key "noreply" (checked on 1.6.18)
    case McVerb::kIncr:
    case McVerb::kDecr:
    case McVerb::kTouch: return {3, 4};
    case McVerb::kFlushAll: return {1, 3};
    case McVerb::kVerbosity: return {2, 3};
    default: return {};
  }
}

// How memcached reads the encoded line: a C string (it stops at NUL), split on spaces, meta
// flags known by their first byte (me: only a third token that is exactly "b").
struct MemcachedView {
  bool answers = true;  // false: it sends no reply at all (noreply / quiet)
  bool base64 = false;  // it decodes the key as base64
};

MemcachedView memcachedView(McVerb verb, std::string_view encoded) {
  std::string_view line = encoded.substr(0, encoded.find('\n') - 1);
  line = line.substr(0, line.find('\0'));
  std::vector<std::string_view> tokens;
  codec::tokenize(line, tokens);
  MemcachedView view;
  if (tokens.empty()) return view;  // ERROR
  if (verb == McVerb::kMetaDebug) {
    view.base64 = tokens.size() >= 3 && tokens[2] == "b";
  } else if (codec::isMeta(verb)) {
    for (size_t i = verb == McVerb::kMetaSet ? 3 : 2; i < tokens.size(); ++i) {
      view.answers = view.answers && tokens[i][0] != 'q';
      view.base64 = view.base64 || tokens[i][0] == 'b';
    }
  } else {
    const TokenRange range = noreplyTokenRange(verb);
    const bool counted = tokens.size() >= range.min && tokens.size() <= range.max;
    view.answers = !(counted && tokens.back() == "noreply");
  }
  return view;
}

void checkSameKeys(const McRequest& request) {
  const auto keys = keysOf(request);
  std::string encoded;
  codec::encodeMcRequest(request, keys, encoded);
  const MemcachedView view = memcachedView(request.verb, encoded);
  require(view.answers, "memcached answers every forwarded request once");
  require(view.base64 == request.base64_keys, "memcached reads the key the way the proxy does");

  const codec::McRequestDecoder decoder;
  McRequest again;
  const auto result = decoder.decode(encoded, again);
  require(result.status == McDecodeStatus::kRequest, "an encoded request decodes as a request");
  require(result.consumed == encoded.size(), "an encoded request is exactly one request");
  require(again.verb == request.verb, "same verb");
  require(keysOf(again) == keys, "same keys");
  require(again.value == request.value, "same value");
  require(again.base64_keys == request.base64_keys, "same key encoding");
  require(!again.noreply, "noreply / q are not forwarded");
  require(again.tokens == expectedTokens(request), "same tokens but the dropped noreply / q");
}

void checkVersionedKeys(const McRequest& request) {
  std::vector<std::string> versioned;
  for (const auto key : keysOf(request)) {
    versioned.push_back(versionedKey(key, request.base64_keys));
    std::string plain;
    if (request.base64_keys) codec::base64Decode(versioned.back(), plain);
    if ((request.base64_keys ? plain.size() : versioned.back().size()) > codec::kMaxKeyLength) return;
  }
  const std::vector<std::string_view> views(versioned.begin(), versioned.end());
  std::string encoded;
  codec::encodeMcRequest(request, views, encoded);
  const codec::McRequestDecoder decoder;
  McRequest again;
  const auto result = decoder.decode(encoded, again);
  require(result.status == McDecodeStatus::kRequest && result.consumed == encoded.size(),
          "a rewritten request decodes as one request");
  require(again.verb == request.verb && again.value == request.value, "same verb and value");
  require(keysOf(again) == views, "exactly the keys changed");
  auto expected = expectedTokens(request);
  for (uint32_t i = 0; i < request.key_count; ++i) expected[request.first_key + i] = views[i];
  require(again.tokens == expected, "nothing but the keys changed");
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcproxy;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const codec::McRequestDecoder decoder;
  codec::McRequest request;
  size_t at = 0;
  while (at < input.size()) {
    const auto result = decoder.decode(input.substr(at), request);
    if (result.status == codec::McDecodeStatus::kNeedMore) break;
    if (result.status == codec::McDecodeStatus::kRequest) {
      fuzz::checkSameKeys(request);
      fuzz::checkVersionedKeys(request);
    }
    at += result.consumed;
    at += std::min(result.skip, input.size() - at);
    if (result.close) break;
  }
  return 0;
}
