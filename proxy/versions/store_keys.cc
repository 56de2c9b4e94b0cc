// Key names of the version stores, as documented in version_store.h. Operators read these
// names in redis-cli or memcached dumps, so they are part of the contract: change none of them.
#include "proxy/versions/version_store.h"

#include "proxy/route/key_format.h"

namespace vcproxy::versions {
namespace {

// "~vc:" is the reserved marker: the proxy refuses client keys that start with it.
std::string prefix(const std::string& name_space) { return "~vc:" + name_space + ":!"; }

}  // namespace

std::string redisVersionsKey(const std::string& name_space) { return route::versionsHashKey(name_space); }

std::string redisModesKey(const std::string& name_space) { return route::modesHashKey(name_space); }

std::string redisChannel(const std::string& name_space) { return prefix(name_space) + "changes"; }

std::string memcacheVersionKey(const std::string& name_space, const std::string& cache) {
  return route::versionStoreKey(name_space, cache);
}

std::string memcacheModeKey(const std::string& name_space, const std::string& cache) {
  return route::modeStoreKey(name_space, cache);
}

}  // namespace vcproxy::versions
