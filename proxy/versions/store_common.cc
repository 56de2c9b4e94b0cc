#include "proxy/versions/store_common.h"

#include <exception>
#include <string>

#include "proxy/log/log.h"
#include "proxy/route/version.h"

namespace vcproxy::versions {

std::string hostPort(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string checkChanges(const VersionMap& changes) {
  // An empty version or mode means "leave it as it is" (version_store.h), not both.
  for (const auto& [name, cache] : changes) {
    if (cache.version.empty() && cache.mode.empty()) return "nothing to write for cache \"" + name + "\"";
    if (!cache.version.empty() && !route::isValidVersion(cache.version)) {
      return "invalid version \"" + cache.version + "\" for cache \"" + name + "\"";
    }
    if (!cache.mode.empty() && !route::parseMode(cache.mode)) {
      return "invalid mode \"" + cache.mode + "\" for cache \"" + name + "\"";
    }
  }
  return {};
}

std::string checkStored(const std::string& cache, const StoredCache& stored) {
  if (!route::isValidVersion(stored.version)) {
    return "the store holds an invalid version \"" + stored.version + "\" for cache \"" + cache +
           "\" (invalidate the cache to replace it)";
  }
  if (!stored.mode.empty() && !route::parseMode(stored.mode)) {
    return "the store holds an invalid mode \"" + stored.mode + "\" for cache \"" + cache + "\"";
  }
  return {};
}

std::string joinNames(const VersionMap& changes) {
  std::string out;
  for (const auto& entry : changes) {
    if (!out.empty()) {
      out += ',';
    }
    out += entry.first;
  }
  return out;
}

void reportException(const char* where) noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    log::error(std::string("vcproxy versions: exception in ") + where + ": " + e.what());
  } catch (...) {
    log::error(std::string("vcproxy versions: unknown exception in ") + where);
  }
}

}  // namespace vcproxy::versions
