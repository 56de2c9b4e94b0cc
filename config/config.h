// Plain structs for a loaded configuration. Only std types here: other modules include
// this header without yaml-cpp (the YAML side lives in loader.cc / validate.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::config {

enum class Protocol { kMemcache, kRedis };

// "memcache" / "redis", the spelling used in the config file.
constexpr std::string_view protocolName(Protocol protocol) {
  return protocol == Protocol::kRedis ? "redis" : "memcache";
}

// A socket address: "host:port", "[v6]:port" or "unix:/path".
struct Endpoint {
  bool is_unix = false;
  std::string host;  // without brackets for v6
  uint16_t port = 0;
  std::string path;  // unix socket path
  std::string text;  // the address as written in the file (without a weight), for messages
  uint32_t weight = 1;  // backends only: the server's share of keys in a pool (ketama weight)
};

// A secret read when the config is loaded, from a file (its content without one trailing newline)
// or an environment variable. `source` names where it came from, for messages and diffs; the
// value itself is never printed.
struct Secret {
  std::string value;
  std::string source;  // "password_file /run/secrets/x" or "password_env REDIS_PASSWORD"
};

// Credentials vcproxy gives the backend on every connection it opens (Redis AUTH).
struct BackendAuth {
  std::string username;  // empty: AUTH <password> (the default user)
  Secret password;
};

struct Listener {
  std::string name;
  Protocol protocol = Protocol::kMemcache;
  Endpoint listen;
  std::vector<Endpoint> backends;  // at least one
  uint32_t timeout_ms = 1000;      // backend reply timeout
  uint32_t connect_timeout_ms = 1000;
  uint32_t max_value_bytes = 1048576;  // largest value accepted from clients (memcached's item max)
  uint32_t backend_connections = 1;    // upstream connections per backend per worker
  // Pools (memcache, several backends; twemproxy's names): consecutive failures that make a
  // backend down; whether a down backend leaves the pool (its keys rehashed over the others);
  // how long it stays out before it may come back.
  uint32_t server_failure_limit = 2;
  bool auto_eject_hosts = false;
  uint32_t server_retry_timeout_ms = 30000;
  std::optional<Secret> password;      // redis: clients must AUTH with it first
  std::optional<BackendAuth> backend_auth;  // redis: vcproxy AUTHs every backend connection
  // redis only: the backends are seed nodes of one Redis Cluster; commands go to the master
  // that serves their keys' slot (docs/configuration.md, "Redis Cluster").
  bool cluster = false;
  // Cluster only (`read_from: replica`): read-only commands go to an online replica of their
  // slot's shard, falling back to the master; replies may lag the master by the replication delay.
  bool read_from_replicas = false;
  // Client limits (0 = off where allowed): what one misbehaving application may hold.
  uint32_t max_client_connections = 10000;  // across every worker
  uint32_t client_idle_timeout_ms = 0;      // nothing in flight, nothing received for this long
  uint32_t client_request_timeout_ms = 30000;  // first byte of a request to its last
  uint32_t client_write_timeout_ms = 30000;    // replies waiting, none of their bytes taken
  uint32_t client_max_pending_replies = 4096;  // requests in flight before reading pauses
  uint32_t client_max_pending_bytes = 4194304;  // reply bytes unsent before reading pauses
};

struct Admin {
  Endpoint listen{
      .is_unix = false, .host = "127.0.0.1", .port = 9100, .path = {}, .text = "127.0.0.1:9100"};
  std::string token_file;  // empty = no token
};

struct VersionStore {
  std::string url;  // redis://host:port[/db] or memcache://host:port, as written; empty = the backend
  uint32_t refresh_interval_ms = 1000;
  // Store unreachable for longer than this: versioned keys are bypassed until it answers again
  // (another sidecar may have invalidated meanwhile; stale data is never served).
  uint32_t max_staleness_ms = 10000;
  // Parsed from `url`, so the store client does not parse it again.
  Protocol protocol = Protocol::kRedis;
  Endpoint endpoint;
  uint32_t db = 0;  // redis database number; always 0 for memcache
};

struct Cache {
  std::string name;
  std::vector<std::string> patterns;
};

struct Config {
  std::string namespace_name;  // YAML key `namespace`; may be empty
  unsigned workers = 0;        // 0 = auto (number of cores)
  // On SIGTERM: stop accepting, keep serving open connections until they close or this much
  // time passed (below Kubernetes' default 30 s grace period), then exit.
  uint32_t shutdown_grace_ms = 25000;
  std::vector<Listener> listeners;
  Admin admin;
  VersionStore version_store;  // url empty: the first listener's first backend
  std::vector<Cache> caches;                  // file order = priority order
};

struct Error {
  std::string file;
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string message;  // says what was expected

  // "file:line:column: message"; the unknown parts are left out ("file: message").
  std::string toString() const;
};

struct LoadResult {
  std::optional<Config> config;  // set iff errors is empty
  std::vector<Error> errors;     // sorted by position
};

}  // namespace vcproxy::config
