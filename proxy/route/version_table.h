#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proxy/route/version.h"

namespace vcproxy::route {

struct CacheVersion {
  std::string name;
  std::string version;
  CacheMode mode = CacheMode::kNormal;
  // Where the data path counts this cache's hits and sets. Stays with the cache's name across
  // reloads (ids follow the config order and may shift); by default the cache's id.
  uint32_t stats_slot = UINT32_MAX;
};

// An immutable snapshot of every cache's version and mode. Built once, never
// mutated: workers hold it by shared_ptr<const VersionTable> and a change is a
// new table swapped in whole. Ids are config order, the same as Matcher's.
//
// Preconditions (config and the version store validate them): names are unique
// and contain no ':', versions satisfy isValidVersion.
class VersionTable {
 public:
  VersionTable(std::string namespace_name, std::vector<CacheVersion> caches);

  size_t size() const { return caches_.size(); }
  // Both throw std::out_of_range for an id >= size().
  const CacheVersion& at(uint32_t id) const { return caches_.at(id); }
  // "~vc:<namespace>:<cache>:<version>:", precomputed.
  const std::string& keyPrefix(uint32_t id) const { return prefixes_.at(id); }
  std::optional<uint32_t> find(std::string_view name) const;
  const std::string& namespaceName() const { return namespace_name_; }
  const std::vector<CacheVersion>& caches() const { return caches_; }

  // A new table where the given caches get fresh versions (others unchanged):
  // what an invalidation produces. Throws std::out_of_range for a bad id.
  std::shared_ptr<const VersionTable> withNewVersions(const std::vector<uint32_t>& ids) const;
  // A new table with one cache's mode changed (PUT /caches/{name}/mode).
  std::shared_ptr<const VersionTable> withMode(uint32_t id, CacheMode mode) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::string namespace_name_;
  std::vector<CacheVersion> caches_;
  std::vector<std::string> prefixes_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_by_name_;
};

// A table with a fresh random version for every cache, all in normal mode.
std::shared_ptr<const VersionTable> makeInitialTable(std::string namespace_name,
                                                     const std::vector<std::string>& cache_names);

}  // namespace vcproxy::route
