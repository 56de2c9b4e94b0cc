#include "tests/integration/harness/backend_keys.h"

#include <chrono>
#include <exception>
#include <set>
#include <thread>

#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

constexpr std::string_view kReservedPrefix = "~vc:";
constexpr size_t kVersionLength = 8;
constexpr auto kSettleFor = std::chrono::seconds(2);

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isVersionChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// `body` is everything before the final "\r\n": "key=... exp=...\n" lines, then "END".
std::string parseDump(std::string_view body, std::vector<std::string>* keys) {
  while (!body.empty()) {
    size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
    if (line == "END") return body.empty() ? std::string() : "bytes after END";
    if (line.substr(0, 4) != "key=") return "unexpected metadump line: " + std::string(line);
    line.remove_prefix(4);
    keys->push_back(urlDecode(line.substr(0, line.find(' '))));
  }
  return "metadump reply without END";
}

std::string readCurrItems(TextClient& client, uint64_t* count) {
  if (auto sent = client.send("stats\r\n"); !sent) return sent.message();
  ReadResult stats = client.readUntil("END\r\n");
  if (!stats.ok()) return "stats: " + stats.error;
  constexpr std::string_view kStat = "STAT curr_items ";
  size_t at = stats.data.find(kStat);
  if (at == std::string::npos) return "stats without curr_items";
  *count = std::stoull(stats.data.substr(at + kStat.size()));
  return {};
}

std::string metadumpOnce(TextClient& client, std::chrono::steady_clock::time_point give_up,
                         std::vector<std::string>* keys) {
  for (;;) {
    // Sent alone: memcached refuses other commands pipelined before a metadump.
    if (auto sent = client.send("lru_crawler metadump all\r\n"); !sent) return sent.message();
    // Key lines end in "\n" only, so the first "\r\n" is the one after END (or BUSY/ERROR).
    ReadResult reply = client.readLine();
    if (!reply.ok()) return "metadump: " + reply.error;
    // The crawler runs one job at a time (including its own background runs); try again.
    if (reply.data.starts_with("BUSY") && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    return parseDump(reply.data, keys);
  }
}

}  // namespace

std::string urlDecode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && hexValue(encoded[i + 1]) >= 0 &&
        hexValue(encoded[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(encoded[i + 1]) * 16 + hexValue(encoded[i + 2]));
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return out;
}

KeyDump dumpMemcachedKeys(uint16_t port) {
  KeyDump dump;
  auto give_up = std::chrono::steady_clock::now() + kSettleFor;
  try {
    TextClient client(port);
    std::set<std::string> seen;
    for (;;) {
      // The crawler skips items a connection or the LRU maintainer still holds a reference to,
      // so one pass can miss keys that were just used: merge passes until all linked items were seen.
      uint64_t linked = 0;
      std::vector<std::string> pass;
      dump.error = readCurrItems(client, &linked);
      if (dump.error.empty()) dump.error = metadumpOnce(client, give_up, &pass);
      if (!dump.error.empty()) return dump;
      seen.insert(pass.begin(), pass.end());
      // Expired items stay linked until reclaimed: those never show, so give up at the deadline.
      if (seen.size() >= linked || std::chrono::steady_clock::now() >= give_up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    dump.keys.assign(seen.begin(), seen.end());
  } catch (const std::exception& e) {
    dump.error = e.what();
  }
  return dump;
}

std::optional<VersionedKey> parseVersionedKey(std::string_view key) {
  if (!key.starts_with(kReservedPrefix)) return std::nullopt;
  key.remove_prefix(kReservedPrefix.size());
  VersionedKey parsed;
  // Namespace and cache name contain no ':'; the original key may.
  for (std::string* field : {&parsed.name_space, &parsed.cache, &parsed.version}) {
    size_t colon = key.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    *field = std::string(key.substr(0, colon));
    key.remove_prefix(colon + 1);
  }
  if (parsed.version.size() != kVersionLength) return std::nullopt;
  for (char c : parsed.version) {
    if (!isVersionChar(c)) return std::nullopt;
  }
  parsed.original = std::string(key);
  return parsed;
}

}  // namespace vcproxy::test
