#include "proxy/codec/mc_request.h"

#include <cstring>

#include <string>

#include "proxy/codec/base64.h"
#include "proxy/codec/text.h"

namespace vcproxy::codec {
namespace {

// The answers memcached itself gives (memcached 1.6), plus the proxy's own refusals.
constexpr std::string_view kError = "ERROR\r\n";
constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format\r\n";
constexpr std::string_view kBadDataChunk = "CLIENT_ERROR bad data chunk\r\n";
constexpr std::string_view kTooLarge = "SERVER_ERROR object too large for cache\r\n";
constexpr std::string_view kBadExptime = "CLIENT_ERROR invalid exptime argument\r\n";
constexpr std::string_view kBadDelta = "CLIENT_ERROR invalid numeric delta argument\r\n";
constexpr std::string_view kDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n";
constexpr std::string_view kBadBase64 = "CLIENT_ERROR error decoding key\r\n";
constexpr std::string_view kEnd = "END\r\n";
constexpr std::string_view kOk = "OK\r\n";
constexpr std::string_view kMetaNoop = "MN\r\n";
constexpr std::string_view kControlKey = "CLIENT_ERROR key contains control characters or spaces\r\n";
constexpr std::string_view kLineTooLong = "CLIENT_ERROR line too long\r\n";
constexpr std::string_view kUnsupported = "CLIENT_ERROR command not supported by vcproxy\r\n";
constexpr std::string_view kBinary =
    "CLIENT_ERROR the binary protocol is not supported by vcproxy; use the text or meta protocol\r\n";

// Parsing state of one request: the line is known, the rest depends on the verb.
struct Parse {
  std::string_view input;
  size_t after_line;  // offset just past the line's '\n'
  McRequest& req;
  const McLimits& limits;

  McDecodeResult forward(size_t consumed) const {
    return {McDecodeStatus::kRequest, consumed, 0, 0, {}, false};
  }
  // A refusal; the client asked for no nominal reply, so memcached stays silent for errors too.
  McDecodeResult answer(std::string_view reply, size_t skip = 0) const {
    return {McDecodeStatus::kAnswer, after_line, skip, 0, req.noreply ? std::string_view{} : reply, false};
  }
};

std::string_view checkTextKey(std::string_view key) {
  if (key.size() > kMaxKeyLength) return kBadFormat;
  if (!isValidTextKey(key)) return kControlKey;
  return {};
}

// Reads the data block that follows a storage line, or explains why not.
McDecodeResult takeDataBlock(const Parse& p, int64_t bytes) {
  if (bytes < 0) return p.answer(kBadFormat);
  const size_t size = static_cast<size_t>(bytes);
  if (size > p.limits.max_value_bytes) return p.answer(kTooLarge, size + 2);
  const size_t total = p.after_line + size + 2;
  if (p.input.size() < total) return {McDecodeStatus::kNeedMore, 0, 0, total, {}, false};
  if (p.input.substr(p.after_line + size, 2) != "\r\n") {
    auto result = p.answer(kBadDataChunk);
    result.consumed = total;
    return result;
  }
  p.req.value = p.input.substr(p.after_line, size);
  return p.forward(total);
}

// memcached honours a trailing `noreply` whatever the token count (set_noreply_maybe); the proxy
// must agree exactly, or a request forwarded with noreply would get no reply and break FIFO.
bool takeNoreply(McRequest& req) {
  req.noreply = req.tokens.size() >= 2 && req.tokens.back() == "noreply";
  return req.noreply;
}

McDecodeResult parseRetrieval(const Parse& p) {
  McRequest& req = p.req;
  const bool touch = req.verb == McVerb::kGat || req.verb == McVerb::kGats;
  const size_t first = touch ? 2 : 1;
  if (req.tokens.size() < 2) return p.answer(kError);
  if (touch) {
    int32_t exptime = 0;
    if (!parseNumber(req.tokens[1], exptime)) return p.answer(kBadExptime);
    if (req.tokens.size() == 2) return p.answer(kEnd);
  }
  req.first_key = static_cast<uint32_t>(first);
  req.key_count = static_cast<uint32_t>(req.tokens.size() - first);
  for (size_t i = first; i < req.tokens.size(); ++i) {
    if (auto err = checkTextKey(req.tokens[i]); !err.empty()) return p.answer(err);
  }
  return p.forward(p.after_line);
}

McDecodeResult parseStorage(const Parse& p) {
  McRequest& req = p.req;
  const size_t base = req.verb == McVerb::kCas ? 6 : 5;
  if (req.tokens.size() < base || req.tokens.size() > base + 1) return p.answer(kError);
  takeNoreply(req);
  req.first_key = 1;
  req.key_count = 1;
  uint32_t flags = 0;
  int32_t exptime = 0;
  int32_t bytes = 0;
  uint64_t cas = 0;
  if (!parseNumber(req.tokens[4], bytes)) return p.answer(kBadFormat);
  // From here the block length is known: a refused command still skips its data block, so the
  // block can never be read as commands.
  const size_t skip = bytes >= 0 ? static_cast<size_t>(bytes) + 2 : 0;
  const bool fields_ok = parseNumber(req.tokens[2], flags) && parseNumber(req.tokens[3], exptime) &&
                         (base == 5 || parseNumber(req.tokens[5], cas));
  if (!fields_ok) return p.answer(kBadFormat, skip);
  if (auto err = checkTextKey(req.tokens[1]); !err.empty()) return p.answer(err, skip);
  return takeDataBlock(p, bytes);
}

McDecodeResult parseDelete(const Parse& p) {
  McRequest& req = p.req;
  const size_t n = req.tokens.size();
  if (n < 2 || n > 4) return p.answer(kError);
  if (n >= 3) {
    const bool hold_zero = req.tokens[2] == "0";
    const bool noreply = req.tokens.back() == "noreply";
    const bool valid = (n == 3 && (hold_zero || noreply)) || (n == 4 && hold_zero && noreply);
    req.noreply = noreply;
    if (!valid) return p.answer(kDeleteUsage);
  }
  req.first_key = 1;
  req.key_count = 1;
  if (auto err = checkTextKey(req.tokens[1]); !err.empty()) return p.answer(err);
  return p.forward(p.after_line);
}

// incr/decr and touch: `verb key number [noreply]`.
McDecodeResult parseKeyNumber(const Parse& p) {
  McRequest& req = p.req;
  if (req.tokens.size() < 3 || req.tokens.size() > 4) return p.answer(kError);
  takeNoreply(req);
  req.first_key = 1;
  req.key_count = 1;
  if (auto err = checkTextKey(req.tokens[1]); !err.empty()) return p.answer(err);  // memcached's order
  if (req.verb == McVerb::kTouch) {
    int32_t exptime = 0;
    if (!parseNumber(req.tokens[2], exptime)) return p.answer(kBadExptime);
  } else {
    uint64_t delta = 0;
    if (!parseNumber(req.tokens[2], delta)) return p.answer(kBadDelta);
  }
  return p.forward(p.after_line);
}

McDecodeResult parseKeyless(const Parse& p) {
  McRequest& req = p.req;
  const size_t n = req.tokens.size();
  switch (req.verb) {
    case McVerb::kFlushAll: {
      if (n > 3) return p.answer(kError);
      const bool noreply = takeNoreply(req);
      int32_t delay = 0;
      if (n - (noreply ? 1 : 0) == 2 && !parseNumber(req.tokens[1], delay)) return p.answer(kBadExptime);
      return p.forward(p.after_line);
    }
    case McVerb::kVerbosity: {
      // Answered here: one client must not change the log level of a shared backend.
      if (n < 2 || n > 3) return p.answer(kError);
      takeNoreply(req);
      uint32_t level = 0;
      return p.answer(parseNumber(req.tokens[1], level) ? kOk : kBadFormat);
    }
    case McVerb::kQuit: {
      auto result = p.answer({});
      result.close = true;
      return result;
    }
    default:  // stats and version, with whatever arguments memcached accepts
      return p.forward(p.after_line);
  }
}

// memcached reads a meta flag by its first byte only: `qx` is quiet mode, `bz` base64.
bool hasFlag(const McRequest& req, char flag) {
  for (size_t i = req.verb == McVerb::kMetaSet ? 3 : 2; i < req.tokens.size(); ++i) {
    if (req.tokens[i][0] == flag) return true;
  }
  return false;
}

bool hasBase64Key(const McRequest& req) {
  if (req.verb == McVerb::kMetaDebug) return req.tokens.size() >= 3 && req.tokens[2] == "b";  // me key [b]
  return hasFlag(req, 'b');
}

// Meta commands: `verb key [datalen] flags...`; `q` and `b` are the flags the proxy acts on.
McDecodeResult parseMeta(const Parse& p) {
  McRequest& req = p.req;
  if (req.verb == McVerb::kMetaNoop) return p.answer(kMetaNoop);
  const bool set = req.verb == McVerb::kMetaSet;
  if (req.tokens.size() < 2) return p.answer(req.verb == McVerb::kMetaDebug ? kBadFormat : kError);
  if (set && req.tokens.size() < 3) return p.answer(kBadFormat);
  // Errors in the request itself are reported even with `q`, as memcached does: noreply is
  // only set once the request is known to be valid.
  req.base64_keys = hasBase64Key(req);
  int64_t bytes = 0;
  if (set && !parseNumber(req.tokens[2], bytes)) return p.answer(kBadFormat);
  const size_t skip = set && bytes >= 0 ? static_cast<size_t>(bytes) + 2 : 0;
  req.first_key = 1;
  req.key_count = 1;
  std::string_view key = req.tokens[1];
  if (req.base64_keys) {
    std::string decoded;
    if (key.size() > 4 * ((kMaxKeyLength + 2) / 3) || !base64Decode(key, decoded)) {
      return p.answer(kBadBase64, skip);
    }
    if (decoded.size() > kMaxKeyLength) return p.answer(kBadFormat, skip);
  } else if (auto err = checkTextKey(key); !err.empty()) {
    return p.answer(err, skip);
  }
  if (!set) {
    req.noreply = req.verb != McVerb::kMetaDebug && hasFlag(req, 'q');  // `me` takes no q
    return p.forward(p.after_line);
  }
  auto result = takeDataBlock(p, bytes);
  req.noreply = result.status == McDecodeStatus::kRequest && hasFlag(req, 'q');
  return result;
}

McDecodeResult parseLine(const Parse& p, std::string_view line) {
  McRequest& req = p.req;
  tokenize(line, req.tokens);
  if (req.tokens.empty()) return p.answer(kError);
  const auto verb = parseMcVerb(req.tokens[0]);
  if (!verb) return p.answer(isUnsupportedMcCommand(req.tokens[0]) ? kUnsupported : kError);
  req.verb = *verb;
  if (isRetrieval(req.verb)) return parseRetrieval(p);
  if (isStorage(req.verb)) return parseStorage(p);
  if (isMeta(req.verb)) return parseMeta(p);
  switch (req.verb) {
    case McVerb::kDelete: return parseDelete(p);
    case McVerb::kIncr:
    case McVerb::kDecr:
    case McVerb::kTouch: return parseKeyNumber(p);
    default: return parseKeyless(p);
  }
}

}  // namespace

// Eight bytes at a time (every key of every request goes through here): a word has a byte below
// 0x21 when (x - 0x21..21) & ~x & 0x80..80 is not zero, and a 0x7f byte when the same test for 1
// finds a zero byte in x ^ 0x7f..7f (both exact for "any byte").
bool isValidTextKey(std::string_view key) {
  if (key.empty()) return false;
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = 0x8080808080808080;
  size_t at = 0;
  for (; at + 8 <= key.size(); at += 8) {
    uint64_t word;
    std::memcpy(&word, key.data() + at, 8);
    const uint64_t del = word ^ (kOnes * 0x7f);
    if ((((word - kOnes * 0x21) & ~word) | ((del - kOnes) & ~del)) & kHighBits) return false;
  }
  for (; at < key.size(); ++at) {
    const auto b = static_cast<unsigned char>(key[at]);
    if (b <= ' ' || b == 0x7f) return false;
  }
  return true;
}

McDecodeResult McRequestDecoder::decode(std::string_view input, McRequest& request) const {
  if (input.empty()) return {};
  if (static_cast<unsigned char>(input[0]) == 0x80) {
    return {McDecodeStatus::kAnswer, input.size(), 0, 0, kBinary, true};
  }
  const size_t newline = findLineEnd(input);
  if (newline == std::string_view::npos || newline > limits_.max_line_bytes) {
    if (newline == std::string_view::npos && input.size() <= limits_.max_line_bytes) return {};
    return {McDecodeStatus::kAnswer, input.size(), 0, 0, kLineTooLong, true};
  }
  request.first_key = request.key_count = 0;
  request.noreply = request.base64_keys = false;
  request.value = {};
  const Parse parse{input, newline + 1, request, limits_};
  std::string_view line = lineBefore(input, newline);
  line = line.substr(0, line.find('\0'));  // memcached's tokenizer stops at a NUL byte
  return parseLine(parse, line);
}

}  // namespace vcproxy::codec
