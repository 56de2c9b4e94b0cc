// Blocking libmemcached calls behind the memcached version store (internal to proxy/versions).
// MemcacheStore runs them on libuv's thread pool, one at a time: a MemcacheClient is used by
// one thread at a time, never concurrently.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "proxy/versions/version_store.h"

struct memcached_st;

namespace vcproxy::versions {

class MemcacheClient {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MemcacheClient(StoreOptions options);
  ~MemcacheClient();
  MemcacheClient(const MemcacheClient&) = delete;
  MemcacheClient& operator=(const MemcacheClient&) = delete;

  // Both return an error text without the store's label, empty on success, and stop starting
  // new calls once `deadline` has passed. The caller answers by the deadline anyway.

  // Reads the versions and modes of `names`, creating missing versions with `add`.
  std::string fetch(const std::vector<std::string>& names, Clock::time_point deadline,
                    VersionMap* out);
  // Sets every version and mode key (exptime 0).
  std::string write(const VersionMap& changes, Clock::time_point deadline);

  // Drops the connection (on the loop thread, when no call is running).
  void reset();

 private:
  using Values = std::map<std::string, std::string>;

  std::string connect();
  std::string getMulti(const std::vector<std::string>& keys, Clock::time_point deadline,
                       Values* out);
  std::string readOrCreate(const std::vector<std::string>& names,
                           const std::vector<std::string>& keys, Clock::time_point deadline,
                           Values* values);
  std::string addMissing(const std::vector<std::string>& names, Clock::time_point deadline);
  std::string failure(int rc);  // text for a libmemcached error; drops the handle
  std::string checkKey(const std::string& key) const;
  std::string timedOut() const;

  StoreOptions options_;
  // Created on demand and dropped after any failure, so libmemcached's own retry and
  // "server temporarily disabled" state never outlives one operation: the next one simply
  // connects again, bounded by the connect timeout.
  memcached_st* memc_ = nullptr;
};

}  // namespace vcproxy::versions
