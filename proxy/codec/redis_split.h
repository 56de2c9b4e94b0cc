// Multi-key commands a Redis Cluster proxy splits by slot, and how their parts' replies merge
// back into the one reply the client expects, in the client's key order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

enum class SplitKind : uint8_t {
  kNone,      // not splittable: keys in several slots get -CROSSSLOT
  kMget,      // MGET k...: an array, element i for key i
  kMset,      // MSET k v...: +OK once every part said +OK
  kSumCount,  // DEL / EXISTS / UNLINK / TOUCH k...: the sum of the parts' integers
};

SplitKind splitKindOf(std::string_view command_name);

// Arguments per key: 2 for MSET (key, value), else 1.
inline uint32_t splitStride(SplitKind kind) { return kind == SplitKind::kMset ? 2 : 1; }

struct SplitPart {
  std::string_view reply;           // the part's complete reply
  std::vector<uint32_t> key_index;  // which of the client's keys (0-based) the part carried, in order
};

// The client's reply. The first error among the parts (in part order) is the reply if any part
// failed; a part whose reply does not have the expected shape gives an -ERR.
std::string mergeSplitReplies(SplitKind kind, std::span<const SplitPart> parts, uint32_t key_count);

}  // namespace vcproxy::codec
