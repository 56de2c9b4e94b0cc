// Small helpers shared by the Redis and memcached stores (internal to proxy/versions).
#pragma once

#include <string>
#include <string_view>

#include "proxy/versions/version_store.h"

namespace vcproxy::versions {

// "normal": what an absent mode means in both stores.
inline constexpr std::string_view kNormalMode = "normal";

// "127.0.0.1:6379", "[::1]:6379".
std::string hostPort(const std::string& host, int port);

// Empty if every change has a valid version and mode, else what is wrong (nothing is written
// then: a bad version would end up inside client keys).
std::string checkChanges(const VersionMap& changes);

// Empty if a version read from the store for `cache` is usable, else why not. An empty `mode`
// means "absent", i.e. normal.
std::string checkStored(const std::string& cache, const StoredCache& stored);

// "a,b,c": the payload of a change announcement.
std::string joinNames(const VersionMap& changes);

// Inside a catch block: reports the exception being handled on stderr.
void reportException(const char* where) noexcept;

// Runs `fn`, swallowing (and reporting) any exception: used where our code is called from C
// (libuv, hiredis), through which an exception must not unwind.
template <typename Fn>
void runGuarded(const char* where, Fn&& fn) noexcept {
  try {
    fn();
  } catch (...) {
    reportException(where);
  }
}

}  // namespace vcproxy::versions
