// memcached commands the proxy understands, and how their requests and replies are shaped.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vcproxy::codec {

enum class McVerb : uint8_t {
  kGet, kGets, kGat, kGats,                               // retrieval: VALUE ... END
  kSet, kAdd, kReplace, kAppend, kPrepend, kCas,          // storage: line + data block
  kDelete, kIncr, kDecr, kTouch,                          // one key, one line
  kFlushAll, kVersion, kVerbosity, kStats, kQuit,         // no key
  kMetaGet, kMetaSet, kMetaDelete, kMetaArithmetic, kMetaNoop, kMetaDebug,
};

std::optional<McVerb> parseMcVerb(std::string_view word);
std::string_view mcVerbName(McVerb verb);

// Commands memcached has that cannot be offered through a key-rewriting proxy (they expose
// or touch every key, or the server itself); they get a clear refusal instead of a bare ERROR.
bool isUnsupportedMcCommand(std::string_view word);

inline bool isRetrieval(McVerb v) { return v <= McVerb::kGats; }
inline bool isStorage(McVerb v) { return v >= McVerb::kSet && v <= McVerb::kCas; }
inline bool isMeta(McVerb v) { return v >= McVerb::kMetaGet; }
inline bool hasDataBlock(McVerb v) { return isStorage(v) || v == McVerb::kMetaSet; }

}  // namespace vcproxy::codec
