// Key positions of a Redis command: Redis 7 key specs (db.c getKeysUsingKeySpecs), and the
// parsers of the few commands whose specs do not say where the server really reads its keys.
#include <cstdint>

#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::codec {
namespace {

using Args = std::span<const std::string_view>;

enum class SpecResult : uint8_t { kApplied, kInvalid };

// The first candidate position of a spec, or 0 when its keyword is absent.
int64_t beginSearch(const RedisKeySpec& spec, Args args) {
  const int64_t argc = static_cast<int64_t>(args.size());
  if (spec.begin_search == RedisBeginSearch::kIndex) return spec.index;
  // As Redis: a positive startfrom searches forward and never looks at the last argument (no
  // key could follow it); a negative one searches backward from argc + startfrom down to 2.
  const bool forward = spec.startfrom > 0;
  const int64_t start = forward ? spec.startfrom : argc + spec.startfrom;
  const int64_t end = forward ? argc - 1 : 1;
  for (int64_t i = start; i != end; i += start <= end ? 1 : -1) {
    if (i >= argc || i < 1) break;
    if (isOption(args[static_cast<size_t>(i)], spec.keyword)) return i + 1;
  }
  return 0;
}

SpecResult applySpec(const RedisKeySpec& spec, Args args, std::vector<uint32_t>& positions) {
  if (spec.flags & kKeyNotKey) return SpecResult::kApplied;  // shard channels: nothing to rewrite
  if (spec.begin_search == RedisBeginSearch::kUnknown || spec.find_keys == RedisFindKeys::kUnknown ||
      spec.keystep < 1) {
    return SpecResult::kInvalid;
  }
  const int64_t argc = static_cast<int64_t>(args.size());
  int64_t first = beginSearch(spec, args);
  if (first == 0) return SpecResult::kApplied;  // optional keyword (GEORADIUS STORE) absent
  int64_t last = 0;
  if (spec.find_keys == RedisFindKeys::kRange) {
    if (spec.lastkey >= 0) {
      last = first + spec.lastkey;
    } else if (spec.limit == 0) {
      last = argc + spec.lastkey;
    } else {
      last = first + ((argc - first) / spec.limit + spec.lastkey);
    }
  } else {
    const int64_t count_at = first + spec.keynumidx;
    int64_t numkeys = 0;
    if (count_at < 0 || count_at >= argc) return SpecResult::kInvalid;
    if (!parseRedisInteger(args[static_cast<size_t>(count_at)], numkeys) || numkeys < 0) return SpecResult::kInvalid;
    // `EVAL script 0` is valid and names no key (Redis gets there through its fallback).
    if (numkeys == 0) return SpecResult::kApplied;
    if (numkeys > argc) return SpecResult::kInvalid;
    first += spec.firstkey;
    last = first + numkeys - 1;
  }
  if (first < 1 || first >= argc || last >= argc || last < first) return SpecResult::kInvalid;
  for (int64_t i = first; i <= last; i += spec.keystep) positions.push_back(static_cast<uint32_t>(i));
  return SpecResult::kApplied;
}

// Where '*' sits in a SORT pattern as the server sees it (a C string: up to its first NUL).
bool hasStar(std::string_view pattern) {
  const size_t star = pattern.find('*');
  return star != std::string_view::npos && star < pattern.find('\0');
}

// SORT's own parser (sort.c sortCommandGeneric): STORE may come anywhere and the last one wins;
// BY and GET patterns are collected when asked for. False on what SORT answers with an error.
bool parseSort(Args args, bool readonly, std::vector<uint32_t>* keys, std::vector<uint32_t>* patterns) {
  if (args.size() < 2) return false;
  size_t store = 0;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    const std::string_view arg = args[j];
    if (isOption(arg, "asc") || isOption(arg, "desc") || isOption(arg, "alpha")) continue;
    if (isOption(arg, "limit") && left >= 2) {
      j += 2;
    } else if (!readonly && isOption(arg, "store") && left >= 1) {
      store = ++j;
    } else if (isOption(arg, "by") && left >= 1) {
      ++j;
      if (patterns != nullptr && hasStar(args[j])) patterns->push_back(static_cast<uint32_t>(j));
    } else if (isOption(arg, "get") && left >= 1) {
      ++j;  // `GET #` is the element itself; like BY, a pattern without '*' looks nothing up
      if (patterns != nullptr && hasStar(args[j])) patterns->push_back(static_cast<uint32_t>(j));
    } else {
      return false;
    }
  }
  if (keys != nullptr) {
    keys->push_back(1);
    if (store != 0) keys->push_back(static_cast<uint32_t>(store));
  }
  return true;
}

// MIGRATE's parser (cluster.c migrateCommand): with KEYS, the key argument must be empty and is
// not a key; every argument after KEYS is.
bool migrateKeys(Args args, std::vector<uint32_t>& positions) {
  const size_t n = args.size();
  if (n < 6) return false;
  for (size_t j = 6; j < n; ++j) {
    const size_t more = n - 1 - j;
    const std::string_view arg = args[j];
    if (isOption(arg, "copy") || isOption(arg, "replace")) continue;
    if (isOption(arg, "auth")) {
      if (more < 1) return false;
      j += 1;  // the password, which may well read "KEYS"
    } else if (isOption(arg, "auth2")) {
      if (more < 2) return false;
      j += 2;
    } else if (isOption(arg, "keys")) {
      if (!args[3].empty()) return false;
      for (size_t k = j + 1; k < n; ++k) positions.push_back(static_cast<uint32_t>(k));
      return true;
    } else {
      return false;
    }
  }
  positions.push_back(3);
  return true;
}

// GEORADIUS[BYMEMBER]'s parser (geo.c georadiusGeneric): options from `base` on; STORE and
// STOREDIST both name the destination and the last one wins.
bool georadiusKeys(Args args, size_t base, std::vector<uint32_t>& positions) {
  if (args.size() < base) return false;
  size_t store = 0;
  for (size_t i = base; i < args.size(); ++i) {
    const bool more = i + 1 < args.size();
    const std::string_view arg = args[i];
    if (isOption(arg, "withdist") || isOption(arg, "withhash") || isOption(arg, "withcoord") ||
        isOption(arg, "any") || isOption(arg, "asc") || isOption(arg, "desc")) {
      continue;
    }
    if (isOption(arg, "count") && more) {
      ++i;
    } else if ((isOption(arg, "store") || isOption(arg, "storedist")) && more) {
      store = ++i;
    } else {
      return false;
    }
  }
  positions.push_back(1);
  if (store != 0) positions.push_back(static_cast<uint32_t>(store));
  return true;
}

// XREAD[GROUP]'s parser (t_stream.c xreadCommand): options in any order until STREAMS; then
// half of the remaining arguments are keys, the other half their IDs.
bool xreadKeys(Args args, bool group, std::vector<uint32_t>& positions) {
  const size_t n = args.size();
  bool has_group = false;
  for (size_t i = 1; i < n; ++i) {
    const size_t more = n - i - 1;
    const std::string_view arg = args[i];
    if ((isOption(arg, "block") || isOption(arg, "count")) && more >= 1) {
      ++i;
    } else if (isOption(arg, "streams") && more >= 1) {
      const size_t first = i + 1;
      if ((n - first) % 2 != 0 || (group && !has_group)) return false;
      for (size_t k = first; k < first + (n - first) / 2; ++k) positions.push_back(static_cast<uint32_t>(k));
      return true;
    } else if (group && isOption(arg, "group") && more >= 2) {
      has_group = true;
      i += 2;  // group and consumer names, whatever they read
    } else if (!(group && isOption(arg, "noack"))) {
      return false;
    }
  }
  return false;  // no STREAMS
}

bool applyKeyProc(const RedisCommand& command, Args args, std::vector<uint32_t>& positions) {
  switch (command.key_proc) {
    case RedisKeyProc::kSort: return parseSort(args, false, &positions, nullptr);
    case RedisKeyProc::kSortRo: return parseSort(args, true, &positions, nullptr);
    case RedisKeyProc::kMigrate: return migrateKeys(args, positions);
    case RedisKeyProc::kGeoradius: return georadiusKeys(args, command.name == "georadius" ? 6 : 5, positions);
    case RedisKeyProc::kXread: return xreadKeys(args, command.name == "xreadgroup", positions);
    case RedisKeyProc::kKeySpecs: break;
  }
  for (const RedisKeySpec& spec : command.key_specs) {
    if (applySpec(spec, args, positions) == SpecResult::kInvalid) return false;
  }
  return true;
}

}  // namespace

bool findKeyPositions(const RedisCommand& command, std::span<const std::string_view> args,
                      std::vector<uint32_t>& positions) {
  positions.clear();
  if (applyKeyProc(command, args, positions)) return true;
  positions.clear();
  return false;
}

bool findSortPatterns(std::span<const std::string_view> args, std::vector<uint32_t>& positions) {
  positions.clear();
  const bool readonly = !args.empty() && isOption(args[0], "sort_ro");
  if (parseSort(args, readonly, nullptr, &positions)) return true;
  positions.clear();
  return false;
}

}  // namespace vcproxy::codec
