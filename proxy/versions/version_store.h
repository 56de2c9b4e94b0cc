// The shared source of truth for cache versions: every sidecar reads and writes the same store.
//
// All methods are called on the control loop's thread and answer through callbacks on that same
// thread. A store never blocks the loop: Redis is driven by hiredis' libuv adapter, memcached
// (libmemcached is blocking) runs its calls on libuv's thread pool, one at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

namespace vcproxy::versions {

struct StoredCache {
  std::string version;  // 8 characters [A-Za-z0-9]
  std::string mode;     // "normal", "bypass" or "write-only"

  bool operator==(const StoredCache&) const = default;
};
using VersionMap = std::map<std::string, StoredCache>;  // by cache name

class VersionStore {
 public:
  virtual ~VersionStore() = default;

  // Reads `names`. A cache with no version yet gets one created without a race between sidecars
  // (Redis HSETNX, memcached `add`: the first writer wins, everybody then reads the winner), with
  // a fresh random version from `newVersion()`. `error` is empty on success; on error `versions`
  // is empty and nothing may be assumed.
  using FetchDone = std::function<void(VersionMap versions, std::string error)>;
  virtual void fetch(const std::vector<std::string>& names, FetchDone done) = 0;

  // Writes `changes` unconditionally (an invalidation or a mode change), then tells the other
  // sidecars (Redis PUBLISH). An empty `version` or `mode` in a change means "leave it as it is":
  // a mode change must never write back a version another sidecar may just have replaced. `error` empty on success; on error the store may hold some of the
  // changes only if the store itself failed mid-way (say so in the message).
  using WriteDone = std::function<void(std::string error)>;
  virtual void write(const VersionMap& changes, WriteDone done) = 0;

  // `on_change` runs whenever another sidecar announces a change. Stores without notifications
  // (memcached) never call it: the manager's polling covers them.
  virtual void subscribe(std::function<void()> on_change) = 0;

  // Closes connections and handles; `done` runs once everything is released (the store may then
  // be destroyed).
  virtual void close(std::function<void()> done) = 0;

  virtual std::string describe() const = 0;  // "redis://127.0.0.1:6379/0", for logs and /readyz
};

// One more memcached server of a pooled store (the first is host:port).
struct StoreServer {
  std::string host;
  int port = 0;
  uint32_t weight = 1;
};

struct StoreOptions {
  std::string host;
  int port = 0;
  uint32_t weight = 1;       // memcache pools: ketama weight of host:port
  // memcache only: the other servers of the pool, in config order. With any, keys are placed by
  // libmemcached's KETAMA_WEIGHTED over all of them, exactly as the data path places them.
  std::vector<StoreServer> more_servers;
  int db = 0;                // redis only
  std::string name_space;    // the config's namespace: stores of different namespaces never mix
  int timeout_ms = 500;      // per store operation
  std::string username;      // redis: AUTH on every connection when password is set
  std::string password;
};

std::unique_ptr<VersionStore> makeRedisStore(uv_loop_t* loop, StoreOptions options);
std::unique_ptr<VersionStore> makeMemcacheStore(uv_loop_t* loop, StoreOptions options);

// Where versions live, documented for operators. The marker ~vc: is reserved: client keys can
// never name these, through the proxy, because keys starting with it are refused.
//   redis:     hash    ~vc:<namespace>:!versions   field <cache> = <version>
//              hash    ~vc:<namespace>:!modes      field <cache> = <mode>   (absent = normal)
//              channel ~vc:<namespace>:!changes    message = the changed cache names, comma-separated
//   memcached: key     ~vc:<namespace>:!version:<cache> = <version>
//              key     ~vc:<namespace>:!mode:<cache>    = <mode>            (absent = normal)
std::string redisVersionsKey(const std::string& name_space);
std::string redisModesKey(const std::string& name_space);
std::string redisChannel(const std::string& name_space);
std::string memcacheVersionKey(const std::string& name_space, const std::string& cache);
std::string memcacheModeKey(const std::string& name_space, const std::string& cache);

}  // namespace vcproxy::versions
