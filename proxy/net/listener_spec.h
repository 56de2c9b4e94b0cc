// What one configured listener needs from the data path (built from the config by main).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/net/address.h"
#include "proxy/net/client_limits.h"
#include "proxy/pool/pool_state.h"

namespace vcproxy::net {

enum class Protocol { kMemcache, kRedis };

struct ListenerSpec {
  std::string name;
  Protocol protocol = Protocol::kMemcache;
  Address listen;
  std::vector<Address> backends;      // several: a pool, keys placed by ketama (memcache only)
  std::vector<uint32_t> weights;      // per backend (ketama weight); empty: all 1
  pool::EjectPolicy eject;            // failure counting and ejection in a pool
  uint32_t timeout_ms = 1000;
  uint32_t connect_timeout_ms = 1000;
  size_t max_value_bytes = 1024 * 1024;
  uint32_t backend_connections = 1;  // per backend, per worker
  // The backend also holds the memcached version store: a flush_all forwarded to it is followed
  // by `add`s of the current versions, so flushing data does not also mint new versions.
  bool backend_holds_versions = false;
  // Redis: the password clients must AUTH with first (empty: none), and the credentials every
  // backend connection AUTHs with (no password: none). Never logged.
  std::string client_password;
  std::string backend_username;
  std::string backend_password;
  // Redis Cluster: `backends` are seed nodes; commands are routed by slot (RedisCluster).
  bool cluster = false;
  // Redis Cluster, `read_from: replica`: read-only commands go to replicas of their slot's shard.
  bool read_from_replicas = false;
  ClientLimits limits;
  // Shared by the listener's copies in every worker (null: no limit is counted).
  std::shared_ptr<ConnectionSlots> slots;
};

}  // namespace vcproxy::net
