// What one configured listener needs from the data path (built from the config by main).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/net/address.h"

namespace vcproxy::net {

enum class Protocol { kMemcache, kRedis };

struct ListenerSpec {
  std::string name;
  Protocol protocol = Protocol::kMemcache;
  Address listen;
  std::vector<Address> backends;
  uint32_t timeout_ms = 1000;
  uint32_t connect_timeout_ms = 1000;
  size_t max_value_bytes = 1024 * 1024;
  uint32_t backend_connections = 1;  // per backend, per worker
  // The backend also holds the memcached version store: a flush_all forwarded to it is followed
  // by `add`s of the current versions, so flushing data does not also mint new versions.
  bool backend_holds_versions = false;
};

}  // namespace vcproxy::net
