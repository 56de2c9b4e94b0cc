#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vcproxy::route {

// Finds the cache a key belongs to. Immutable after construction; safe to share
// between threads. Lookups allocate nothing.
//
// Exact patterns (no wildcard) live in a hash map. Glob patterns are indexed by
// their literal prefix (bytes before the first `*`/`?`) in a byte trie, so a
// lookup only runs globMatch for patterns whose prefix is a prefix of the key
// and whose cache id could still beat the best match found so far.
class Matcher {
 public:
  static constexpr uint32_t kNoCache = UINT32_MAX;
  static constexpr uint32_t kAmbiguous = UINT32_MAX - 1;

  // cache_patterns[i] = the glob patterns of cache i, in config file order;
  // i is the cache id and its priority (lower wins).
  explicit Matcher(const std::vector<std::vector<std::string>>& cache_patterns);

  // The lowest cache id having a pattern that matches the whole key, or kNoCache.
  uint32_t match(std::string_view key) const;

  // The cache of every key prefix·X·suffix, whatever X (a key pattern such as SORT's `w_*`):
  // kNoCache when none of them belongs to a cache, kAmbiguous when they may belong to different
  // caches, or to a cache and to none (also when that cannot be proven either way).
  uint32_t matchExpansions(std::string_view prefix, std::string_view suffix) const;

  size_t patternCount() const { return pattern_count_; }
  // Number of caches given to the constructor (including caches without patterns).
  size_t cacheCount() const { return cache_count_; }

 private:
  static constexpr uint32_t kNoNode = UINT32_MAX;

  struct Node {
    uint32_t edge_begin = 0;  // children: edges_[edge_begin, edge_end), sorted by byte
    uint32_t edge_end = 0;
    uint32_t cand_begin = 0;  // patterns whose literal prefix ends here, by cache id
    uint32_t cand_end = 0;
    uint32_t subtree_min = kNoCache;  // lowest cache id at or below this node
  };
  struct Edge {
    uint8_t byte;
    uint32_t child;
  };
  struct Candidate {
    uint32_t cache_id;
    uint32_t rest_offset;  // pattern after its literal prefix, in rest_pool_
    uint32_t rest_length;
    uint32_t min_length;   // shortest key remainder the rest can match
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct BuildNode;

  void build(const std::vector<std::vector<std::string>>& cache_patterns);
  void flatten(std::vector<BuildNode>& build_nodes);
  uint32_t findChild(const Node& node, uint8_t byte) const;
  uint32_t bestCandidate(const Node& node, std::string_view rest, uint32_t best) const;

  std::vector<std::vector<std::string>> cache_patterns_;  // as given, for matchExpansions
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> exact_;
  std::vector<Node> nodes_;  // nodes_[0] is the root (empty literal prefix)
  std::vector<Edge> edges_;
  std::vector<Candidate> candidates_;
  std::string rest_pool_;
  size_t pattern_count_ = 0;
  size_t cache_count_ = 0;
};

}  // namespace vcproxy::route
