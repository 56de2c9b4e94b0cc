#include "proxy/codec/mc_reply.h"

#include <algorithm>

#include "proxy/codec/base64.h"
#include "proxy/codec/text.h"

namespace vcproxy::codec {
namespace {

bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool isErrorLine(std::string_view line) {
  return line == "ERROR" || startsWith(line, "CLIENT_ERROR") || startsWith(line, "SERVER_ERROR");
}

// The n-th space-separated field of a line (memcached replies use single spaces).
std::string_view field(std::string_view line, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    start = line.find(' ', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  const size_t end = line.find(' ', start);
  return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// A line followed by a data block whose size is field `size_field` of the line.
McReplyFrame frameLineWithData(std::string_view input, size_t at, std::string_view line, size_t line_size,
                               size_t size_field) {
  uint32_t bytes = 0;
  if (!parseNumber(field(line, size_field), bytes)) return {McReplyStatus::kInvalid, 0};
  const size_t total = at + line_size + bytes + 2;
  if (input.size() < total) return {McReplyStatus::kNeedMore, 0};
  if (input.substr(total - 2, 2) != "\r\n") return {McReplyStatus::kInvalid, 0};
  return {McReplyStatus::kComplete, total};
}

// VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n ... END\r\n
McReplyFrame frameRetrieval(std::string_view input) {
  size_t at = 0;
  while (true) {
    const size_t newline = findLineEnd(input, at);
    if (newline == std::string_view::npos) return {McReplyStatus::kNeedMore, 0};
    const std::string_view line = lineBefore(input.substr(at), newline - at);
    const size_t line_size = newline + 1 - at;
    if (line == "END") return {McReplyStatus::kComplete, newline + 1};
    if (isErrorLine(line)) {
      if (at != 0) return {McReplyStatus::kInvalid, 0};
      return {McReplyStatus::kComplete, newline + 1};
    }
    if (!startsWith(line, "VALUE ")) return {McReplyStatus::kInvalid, 0};
    const McReplyFrame value = frameLineWithData(input, at, line, line_size, 3);
    if (value.status != McReplyStatus::kComplete) return value;
    at = value.size;
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
    if (!startsWith(line, "VALUE ")) break;
    uint32_t bytes = 0;
    parseNumber(field(lineBefore(line, line.size() - 1), 3), bytes);
    visit(line, field(line, 1), reply.substr(newline + 1, bytes + 2));
    at = newline + 1 + bytes + 2;
  }
  return at;
}

}  // namespace

McReplyFrame frameMcReply(McVerb verb, std::string_view input) {
  if (isRetrieval(verb)) return frameRetrieval(input);
  if (verb == McVerb::kStats) return frameStats(input);
  const size_t newline = findLineEnd(input);
  if (newline == std::string_view::npos) return {McReplyStatus::kNeedMore, 0};
  const std::string_view line = lineBefore(input, newline);
  if ((verb == McVerb::kMetaGet || verb == McVerb::kMetaArithmetic) && startsWith(line, "VA ")) {
    return frameLineWithData(input, 0, line, newline + 1, 1);
  }
  return {McReplyStatus::kComplete, newline + 1};
}

void forEachValueKey(std::string_view reply, const std::function<void(std::string_view key)>& visit) {
  walkValues(reply, [&](std::string_view, std::string_view key, std::string_view) { visit(key); });
}

size_t restoreMcReply(McVerb verb, std::string_view reply, KeyRestoreFn restore, std::string& out) {
  if (isRetrieval(verb)) {
    size_t values = 0;
    const size_t end = walkValues(reply, [&](std::string_view line, std::string_view key, std::string_view block) {
      out.append("VALUE ");
      out.append(restore(key));
      out.append(line.substr(6 + key.size()));
      out.append(block);
      ++values;
    });
    out.append(reply.substr(end));
    return values;
  }
  if (isMeta(verb)) {
    const size_t newline = findLineEnd(reply);
    restoreMetaLine(verb, lineBefore(reply, newline), restore, out);
    out.append("\r\n");
    out.append(reply.substr(newline + 1));
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
