#include "proxy/route/matcher.h"

#include <algorithm>
#include <utility>

#include "proxy/route/glob.h"
#include "proxy/route/glob_overlap.h"

namespace vcproxy::route {

// Mutable trie used only while building; flattened into contiguous arrays so
// that lookups walk plain vectors.
struct Matcher::BuildNode {
  std::vector<std::pair<uint8_t, uint32_t>> children;  // byte -> build node index
  std::vector<Candidate> candidates;
};

Matcher::Matcher(const std::vector<std::vector<std::string>>& cache_patterns)
    : cache_patterns_(cache_patterns), cache_count_(cache_patterns.size()) {
  build(cache_patterns);
}

void Matcher::build(const std::vector<std::vector<std::string>>& cache_patterns) {
  std::vector<BuildNode> build_nodes(1);
  for (uint32_t id = 0; id < cache_patterns.size(); ++id) {
    for (const std::string& pattern : cache_patterns[id]) {
      ++pattern_count_;
      if (!hasWildcard(pattern)) {
        exact_.emplace(pattern, id);  // keeps the first (lowest) id for duplicates
        continue;
      }
      std::string_view prefix = literalPrefix(pattern);
      uint32_t at = 0;
      for (char c : prefix) {
        auto byte = static_cast<uint8_t>(c);
        auto& kids = build_nodes[at].children;
        auto it = std::find_if(kids.begin(), kids.end(), [byte](const auto& e) { return e.first == byte; });
        if (it != kids.end()) {
          at = it->second;
          continue;
        }
        auto next = static_cast<uint32_t>(build_nodes.size());
        kids.emplace_back(byte, next);  // `kids` is not used after the vector grows
        build_nodes.emplace_back();
        at = next;
      }
      std::string_view rest = std::string_view(pattern).substr(prefix.size());
      Candidate cand{id, static_cast<uint32_t>(rest_pool_.size()), static_cast<uint32_t>(rest.size()),
                     static_cast<uint32_t>(minMatchLength(rest))};
      rest_pool_.append(rest);
      // Ids arrive in ascending order, so each node's list is already sorted by id.
      build_nodes[at].candidates.push_back(cand);
    }
  }
  flatten(build_nodes);
}

// Breadth-first copy of the build trie into nodes_/edges_/candidates_: every
// node's children get consecutive indices, and children come after parents.
void Matcher::flatten(std::vector<BuildNode>& build_nodes) {
  std::vector<uint32_t> order{0};  // order[flat index] = build index
  order.reserve(build_nodes.size());
  nodes_.resize(build_nodes.size());
  for (size_t i = 0; i < order.size(); ++i) {
    BuildNode& src = build_nodes[order[i]];
    Node& node = nodes_[i];
    node.cand_begin = static_cast<uint32_t>(candidates_.size());
    candidates_.insert(candidates_.end(), src.candidates.begin(), src.candidates.end());
    node.cand_end = static_cast<uint32_t>(candidates_.size());
    if (node.cand_begin != node.cand_end) {
      node.subtree_min = candidates_[node.cand_begin].cache_id;
    }
    std::sort(src.children.begin(), src.children.end());
    node.edge_begin = static_cast<uint32_t>(edges_.size());
    for (const auto& [byte, child] : src.children) {
      edges_.push_back(Edge{byte, static_cast<uint32_t>(order.size())});
      order.push_back(child);
    }
    node.edge_end = static_cast<uint32_t>(edges_.size());
  }
  // Children have higher indices than their parent: one backward pass suffices.
  for (size_t i = nodes_.size(); i-- > 0;) {
    Node& node = nodes_[i];
    for (uint32_t e = node.edge_begin; e < node.edge_end; ++e) {
      node.subtree_min = std::min(node.subtree_min, nodes_[edges_[e].child].subtree_min);
    }
  }
}

uint32_t Matcher::findChild(const Node& node, uint8_t byte) const {
  auto first = edges_.begin() + node.edge_begin;
  auto last = edges_.begin() + node.edge_end;
  auto it = std::lower_bound(first, last, byte, [](const Edge& e, uint8_t b) { return e.byte < b; });
  return (it != last && it->byte == byte) ? it->child : kNoNode;
}

// The best of `best` and this node's candidates matching `rest` (the key after
// the node's literal prefix).
uint32_t Matcher::bestCandidate(const Node& node, std::string_view rest, uint32_t best) const {
  std::string_view pool(rest_pool_);
  for (uint32_t i = node.cand_begin; i < node.cand_end; ++i) {
    const Candidate& cand = candidates_[i];
    if (cand.cache_id >= best) {
      break;  // sorted by id: nothing further can win
    }
    if (rest.size() < cand.min_length) {
      continue;
    }
    // "prefix*", the usual pattern, matches whatever follows its prefix: no glob to run.
    const std::string_view glob = pool.substr(cand.rest_offset, cand.rest_length);
    if (glob == "*" || globMatch(glob, rest)) {
      return cand.cache_id;
    }
  }
  return best;
}

uint32_t Matcher::match(std::string_view key) const {
  uint32_t best = kNoCache;
  if (!exact_.empty()) {
    if (auto it = exact_.find(key); it != exact_.end()) {
      best = it->second;
    }
  }
  uint32_t at = 0;
  for (size_t depth = 0;; ++depth) {
    const Node& node = nodes_[at];
    if (node.subtree_min >= best) {
      break;  // no pattern at or below this node can beat what we have
    }
    best = bestCandidate(node, key.substr(depth), best);
    if (depth == key.size()) {
      break;
    }
    at = findChild(node, static_cast<uint8_t>(key[depth]));
    if (at == kNoNode) {
      break;
    }
  }
  return best;
}

// Caches in priority order: the first one some expansion may match decides; it must take all of
// them, else a key of the set could land in it or in a later cache (or none) depending on X.
uint32_t Matcher::matchExpansions(std::string_view prefix, std::string_view suffix) const {
  for (uint32_t id = 0; id < cache_patterns_.size(); ++id) {
    bool some = false;
    for (const std::string& pattern : cache_patterns_[id]) {
      const GlobOverlap overlap = globOverlap(pattern, prefix, suffix);
      if (overlap == GlobOverlap::kAll) return id;
      some = some || overlap == GlobOverlap::kSome;
    }
    if (some) return kAmbiguous;
  }
  return kNoCache;
}

}  // namespace vcproxy::route
