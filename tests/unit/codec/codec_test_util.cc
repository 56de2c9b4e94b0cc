#include "codec_test_util.h"

#include <algorithm>
#include <random>

#include "proxy/codec/mc_encode.h"

namespace vcproxy::codec::test {

std::string_view stripPrefix(std::string_view stored_key) {
  return stored_key.starts_with(kPrefix) ? stored_key.substr(kPrefix.size()) : stored_key;
}

Decoded snapshot(const McDecodeResult& result, const McRequest& request) {
  Decoded d;
  d.status = result.status;
  d.consumed = result.consumed;
  d.skip = result.skip;
  d.needed = result.needed;
  d.reply = std::string(result.reply);
  d.close = result.close;
  if (result.status != McDecodeStatus::kRequest) return d;
  d.verb = request.verb;
  for (const auto token : request.tokens) d.tokens.emplace_back(token);
  for (uint32_t i = 0; i < request.key_count; ++i) d.keys.emplace_back(request.key(i));
  d.value = std::string(request.value);
  d.noreply = request.noreply;
  d.base64_keys = request.base64_keys;
  return d;
}

Decoded decodeOne(std::string_view input, McLimits limits) {
  McRequestDecoder decoder(limits);
  McRequest request;
  return snapshot(decoder.decode(input, request), request);
}

std::vector<Decoded> decodeStream(const std::vector<std::string_view>& chunks, McLimits limits) {
  McRequestDecoder decoder(limits);
  McRequest request;
  std::vector<Decoded> out;
  std::string buffer;
  size_t pending_skip = 0;
  for (const auto chunk : chunks) {
    buffer.append(chunk);
    while (true) {
      const size_t dropped = std::min(pending_skip, buffer.size());
      buffer.erase(0, dropped);
      pending_skip -= dropped;
      if (buffer.empty() && pending_skip > 0) break;
      const McDecodeResult result = decoder.decode(buffer, request);
      if (result.status == McDecodeStatus::kNeedMore) break;
      Decoded d = snapshot(result, request);
      d.needed = 0;
      out.push_back(std::move(d));
      buffer.erase(0, result.consumed);
      pending_skip = result.skip;
      if (result.close) return out;
    }
  }
  return out;
}

std::vector<std::string_view> splitEvery(std::string_view input, size_t size) {
  std::vector<std::string_view> chunks;
  for (size_t at = 0; at < input.size(); at += size) chunks.push_back(input.substr(at, size));
  return chunks;
}

std::vector<std::string_view> splitRandomly(std::string_view input, unsigned seed, size_t max_chunk) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, max_chunk);
  std::vector<std::string_view> chunks;
  for (size_t at = 0; at < input.size();) {
    const size_t n = size(rng);
    chunks.push_back(input.substr(at, n));
    at += n;
  }
  return chunks;
}

std::vector<std::string_view> keysOf(const McRequest& request) {
  std::vector<std::string_view> keys;
  for (uint32_t i = 0; i < request.key_count; ++i) keys.push_back(request.key(i));
  return keys;
}

std::string encodeSameKeys(const McRequest& request) {
  const auto keys = keysOf(request);
  std::string out;
  encodeMcRequest(request, keys, out);
  return out;
}

std::string escape(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (b < 0x20 || b >= 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace vcproxy::codec::test
