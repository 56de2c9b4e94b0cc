#include "proxy/route/version_table.h"

#include <stdexcept>
#include <utility>

#include "proxy/route/key_format.h"

namespace vcproxy::route {

VersionTable::VersionTable(std::string namespace_name, std::vector<CacheVersion> caches)
    : namespace_name_(std::move(namespace_name)), caches_(std::move(caches)) {
  prefixes_.reserve(caches_.size());
  ids_by_name_.reserve(caches_.size());
  for (uint32_t id = 0; id < caches_.size(); ++id) {
    CacheVersion& cache = caches_[id];
    if (cache.stats_slot == UINT32_MAX) cache.stats_slot = id;
    prefixes_.push_back(makeKeyPrefix(namespace_name_, cache.name, cache.version));
    ids_by_name_.emplace(cache.name, id);  // a duplicate name keeps the first id
  }
}

std::optional<uint32_t> VersionTable::find(std::string_view name) const {
  auto it = ids_by_name_.find(name);
  if (it == ids_by_name_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::shared_ptr<const VersionTable> VersionTable::withNewVersions(const std::vector<uint32_t>& ids) const {
  std::vector<CacheVersion> next = caches_;
  for (uint32_t id : ids) {
    next.at(id).version = newVersion();
  }
  return std::make_shared<const VersionTable>(namespace_name_, std::move(next));
}

std::shared_ptr<const VersionTable> VersionTable::withMode(uint32_t id, CacheMode mode) const {
  std::vector<CacheVersion> next = caches_;
  next.at(id).mode = mode;
  return std::make_shared<const VersionTable>(namespace_name_, std::move(next));
}

std::shared_ptr<const VersionTable> makeInitialTable(std::string namespace_name,
                                                     const std::vector<std::string>& cache_names) {
  std::vector<CacheVersion> caches;
  caches.reserve(cache_names.size());
  for (const std::string& name : cache_names) {
    caches.push_back(CacheVersion{name, newVersion(), CacheMode::kNormal});
  }
  return std::make_shared<const VersionTable>(std::move(namespace_name), std::move(caches));
}

}  // namespace vcproxy::route
