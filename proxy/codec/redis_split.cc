#include "proxy/codec/redis_split.h"

#include <charconv>

#include "proxy/codec/resp_reply.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::codec {
namespace {

constexpr std::string_view kBadPart = "-ERR vcproxy: a cluster node's reply to part of a split command was not understood\r\n";

// The elements of an array reply of exactly `count` elements, as byte spans; false otherwise.
bool arrayElements(std::string_view reply, size_t count, std::vector<std::string_view>& out) {
  RespItem header;
  size_t needed = 0;
  if (readRespItem(reply, 0, header, needed) != RespReplyStatus::kComplete || header.type != RespType::kArray ||
      header.count != static_cast<int64_t>(count)) {
    return false;
  }
  size_t pos = header.size;
  for (size_t i = 0; i < count; ++i) {
    const RespReplyFrame frame = frameRespReply(reply.substr(pos));
    if (frame.status != RespReplyStatus::kComplete) return false;
    out.push_back(reply.substr(pos, frame.size));
    pos += frame.size;
  }
  return pos == reply.size();
}

std::string mergeMget(std::span<const SplitPart> parts, uint32_t key_count) {
  std::vector<std::string_view> elements(key_count);
  std::vector<std::string_view> scratch;
  for (const SplitPart& part : parts) {
    scratch.clear();
    if (!arrayElements(part.reply, part.key_index.size(), scratch)) return std::string(kBadPart);
    for (size_t i = 0; i < scratch.size(); ++i) {
      if (part.key_index[i] >= key_count) return std::string(kBadPart);
      elements[part.key_index[i]] = scratch[i];
    }
  }
  std::string out = "*" + std::to_string(key_count) + "\r\n";
  for (const std::string_view element : elements) {
    if (element.empty()) return std::string(kBadPart);  // a key no part answered for
    out += element;
  }
  return out;
}

std::string mergeSum(std::span<const SplitPart> parts) {
  int64_t sum = 0;
  for (const SplitPart& part : parts) {
    const std::string_view line = part.reply;
    if (line.size() < 4 || line[0] != ':' || !line.ends_with("\r\n")) return std::string(kBadPart);
    int64_t value = 0;
    const char* end = line.data() + line.size() - 2;
    const auto [ptr, ec] = std::from_chars(line.data() + 1, end, value);
    if (ec != std::errc() || ptr != end) return std::string(kBadPart);
    sum += value;
  }
  return ":" + std::to_string(sum) + "\r\n";
}

}  // namespace

SplitKind splitKindOf(std::string_view name) {
  if (equalsIgnoreCase(name, "mget")) return SplitKind::kMget;
  if (equalsIgnoreCase(name, "mset")) return SplitKind::kMset;
  if (equalsIgnoreCase(name, "del") || equalsIgnoreCase(name, "exists") || equalsIgnoreCase(name, "unlink") ||
      equalsIgnoreCase(name, "touch")) {
    return SplitKind::kSumCount;
  }
  return SplitKind::kNone;
}

std::string mergeSplitReplies(SplitKind kind, std::span<const SplitPart> parts, uint32_t key_count) {
  for (const SplitPart& part : parts) {
    if (isRespError(part.reply)) return std::string(part.reply);
  }
  switch (kind) {
    case SplitKind::kMget: return mergeMget(parts, key_count);
    case SplitKind::kSumCount: return mergeSum(parts);
    case SplitKind::kMset:
      for (const SplitPart& part : parts) {
        if (part.reply != "+OK\r\n") return std::string(kBadPart);
      }
      return "+OK\r\n";
    case SplitKind::kNone: break;
  }
  return std::string(kBadPart);
}

}  // namespace vcproxy::codec
