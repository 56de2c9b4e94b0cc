#include "proxy/codec/mc_reply.h"

#include <algorithm>
#include <cstring>

#include "proxy/codec/base64.h"
#include "proxy/codec/text.h"

namespace vcproxy::codec {
namespace {

template <size_t N>
bool startsWith(std::string_view s, const char (&prefix)[N]) {
  return s.size() >= N - 1 && std::memcmp(s.data(), prefix, N - 1) == 0;  // a fixed-size compare, inlined
}

bool isErrorLine(std::string_view line) {
  return line == "ERROR" || startsWith(line, "CLIENT_ERROR") || startsWith(line, "SERVER_ERROR");
}

// The key and data size of "VALUE <key> <flags> <bytes> [<cas>]" (without "\r\n"), in one pass.
struct ValueLine {
  std::string_view key;
  uint32_t bytes = 0;
  bool valid = false;
};

// Hand-rolled rather than split and parsed field by field: it runs twice for every key of every
// multi-get reply (framing, then restoring).
ValueLine parseValueLine(std::string_view line) {
  ValueLine value;
  if (!startsWith(line, "VALUE ")) return value;
  const size_t key_end = line.find(' ', 6);
  if (key_end == std::string_view::npos) return value;
  value.key = line.substr(6, key_end - 6);
  size_t at = key_end + 1;
  while (at < line.size() && line[at] != ' ') ++at;  // flags
  uint64_t bytes = 0;
  const size_t digits = ++at;
  for (; at < line.size() && line[at] >= '0' && line[at] <= '9'; ++at) {
    bytes = bytes * 10 + static_cast<unsigned>(line[at] - '0');
    if (bytes > UINT32_MAX) return value;
  }
  value.bytes = static_cast<uint32_t>(bytes);
  value.valid = at > digits && (at == line.size() || line[at] == ' ');
  return value;
}

// A line followed by a data block of `bytes` bytes and "\r\n".
McReplyFrame frameLineWithData(std::string_view input, size_t at, size_t line_size, uint32_t bytes) {
  const size_t total = at + line_size + bytes + 2;
  if (input.size() < total) return {McReplyStatus::kNeedMore, at, total};
  if (input.substr(total - 2, 2) != "\r\n") return {McReplyStatus::kInvalid, 0};
  return {McReplyStatus::kComplete, total};
}

// VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n ... END\r\n, from the entry at `at` on.
McReplyFrame frameRetrieval(std::string_view input, size_t at) {
  while (true) {
    const size_t newline = findLineEnd(input, at);
    if (newline == std::string_view::npos) return {McReplyStatus::kNeedMore, at};
    const std::string_view line = lineBefore(input.substr(at), newline - at);
    const ValueLine value = parseValueLine(line);  // the common line first
    if (!value.valid) {
      if (line == "END") return {McReplyStatus::kComplete, newline + 1};
      if (isErrorLine(line) && at == 0) return {McReplyStatus::kComplete, newline + 1};
      return {McReplyStatus::kInvalid, 0};
    }
    const McReplyFrame entry = frameLineWithData(input, at, newline + 1 - at, value.bytes);
    if (entry.status != McReplyStatus::kComplete) return entry;
    at = entry.size;
  }
}

// stats: STAT lines (or other detail lines) up to END; single-line answers for reset/detail/errors.
McReplyFrame frameStats(std::string_view input) {
  size_t at = 0;
  while (true) {
    const size_t newline = findLineEnd(input, at);
    if (newline == std::string_view::npos) return {McReplyStatus::kNeedMore, 0};
    const std::string_view line = lineBefore(input.substr(at), newline - at);
    if (line == "END" || line == "RESET" || line == "OK" || isErrorLine(line)) {
      return {McReplyStatus::kComplete, newline + 1};
    }
    at = newline + 1;
  }
}

// memcached prints a key in base64 only when the item was stored with a binary key, whatever
// the request said; so a key is treated as base64 only if it decodes to a versioned key.
void appendRestoredKey(std::string_view key, bool maybe_base64, KeyRestoreFn restore, std::string& out) {
  if (maybe_base64) {
    std::string decoded;
    if (base64Decode(key, decoded)) {
      const std::string_view original = restore(decoded);
      if (original.size() != decoded.size()) {
        base64Encode(original, out);
        return;
      }
    }
  }
  out.append(restore(key));
}

// Calls `visit(token, index)` for each space-separated token of a line, allocating nothing.
template <typename Visit>
void forEachToken(std::string_view line, Visit visit) {
  size_t index = 0;
  for (size_t at = 0; at < line.size();) {
    const size_t end = std::min(line.find(' ', at), line.size());
    if (end > at) visit(line.substr(at, end - at), index++);
    at = end + 1;
  }
}

// Copies a meta reply line with the key of its `k` flag (or, for ME, its first field) restored.
void restoreMetaLine(McVerb verb, std::string_view line, KeyRestoreFn restore, std::string& out) {
  bool reply_base64 = false;  // the reply's own `b` flag says how its `k` key is encoded
  forEachToken(line, [&](std::string_view token, size_t i) { reply_base64 |= i > 0 && token == "b"; });
  const bool debug = verb == McVerb::kMetaDebug && line.starts_with("ME ");
  forEachToken(line, [&](std::string_view token, size_t i) {
    if (i > 0) out.push_back(' ');
    if (debug && i == 1) {
      appendRestoredKey(token, true, restore, out);
    } else if (!debug && i > 0 && token[0] == 'k') {
      out.push_back('k');
      appendRestoredKey(token.substr(1), reply_base64, restore, out);
    } else {
      out.append(token);
    }
  });
}

// Walks the VALUE entries of a complete retrieval reply: `visit(line, key, block)` for each,
// where `line` ends with its "\r\n" and `block` is the data with its "\r\n"; returns the offset
// of what follows them (END or an error line).
template <typename Visit>
size_t walkValues(std::string_view reply, Visit visit) {
  size_t at = 0;
  while (at < reply.size()) {
    const size_t newline = findLineEnd(reply, at);
    const std::string_view line = reply.substr(at, newline - at + 1);
    const ValueLine value = parseValueLine(lineBefore(line, line.size() - 1));
    if (!value.valid) break;
    visit(line, value.key, reply.substr(newline + 1, value.bytes + 2));
    at = newline + 1 + value.bytes + 2;
  }
  return at;
}

}  // namespace

McReplyFrame frameMcReply(McVerb verb, std::string_view input, size_t resume_at) {
  if (isRetrieval(verb)) return frameRetrieval(input, resume_at);
  if (verb == McVerb::kStats) return frameStats(input);
  const size_t newline = findLineEnd(input);
  if (newline == std::string_view::npos) return {McReplyStatus::kNeedMore, 0};
  const std::string_view line = lineBefore(input, newline);
  if ((verb == McVerb::kMetaGet || verb == McVerb::kMetaArithmetic) && startsWith(line, "VA ")) {
    uint32_t bytes = 0;
    if (!parseNumber(line.substr(3, line.find(' ', 3) - 3), bytes)) return {McReplyStatus::kInvalid, 0};
    return frameLineWithData(input, 0, newline + 1, bytes);
  }
  return {McReplyStatus::kComplete, newline + 1};
}

void forEachValueKey(std::string_view reply, const std::function<void(std::string_view key)>& visit) {
  walkValues(reply, [&](std::string_view, std::string_view key, std::string_view) { visit(key); });
}

size_t forEachValueEntry(std::string_view reply,
                         const std::function<void(std::string_view key, std::string_view entry)>& visit) {
  return walkValues(reply, [&](std::string_view line, std::string_view key, std::string_view block) {
    visit(key, std::string_view(line.data(), line.size() + block.size()));
  });
}

size_t restoreMcReply(McVerb verb, std::string_view reply, KeyRestoreFn restore, std::string& out,
                      const TakeBlockFn& take_block) {
  out.reserve(out.size() + reply.size());  // a restored key is never longer than the stored one
  const auto append_block = [&](std::string_view block) {
    if (!take_block || !take_block(block)) out.append(block);
  };
  if (isRetrieval(verb)) {
    size_t values = 0;
    const size_t end = walkValues(reply, [&](std::string_view line, std::string_view key, std::string_view block) {
      out.append("VALUE ");
      out.append(restore(key));
      out.append(line.substr(6 + key.size()));
      append_block(block);
      ++values;
    });
    out.append(reply.substr(end));
    return values;
  }
  if (isMeta(verb)) {
    const size_t newline = findLineEnd(reply);
    restoreMetaLine(verb, lineBefore(reply, newline), restore, out);
    out.append("\r\n");
    if (newline + 1 < reply.size()) append_block(reply.substr(newline + 1));
    return 0;
  }
  out.append(reply);
  return 0;
}

bool isHiddenByQuietMode(McVerb verb, std::string_view reply) {
  switch (verb) {
    case McVerb::kMetaGet: return startsWith(reply, "EN");
    case McVerb::kMetaSet:
    case McVerb::kMetaDelete: return startsWith(reply, "HD");
    case McVerb::kMetaArithmetic: return startsWith(reply, "HD") || startsWith(reply, "VA");
    default: return false;
  }
}

}  // namespace vcproxy::codec
