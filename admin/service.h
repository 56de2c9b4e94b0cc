// What the admin HTTP API asks of the rest of vcproxy. The composition root implements it with
// the real version store and data path; the HTTP layer knows nothing else.
//
// Every method is called on the admin loop's thread. Methods that touch the shared version
// store or the backends answer through `done`, later, on that same thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vcproxy::admin {

struct CacheInfo {
  std::string name;
  std::string version;                // 8 characters [A-Za-z0-9]
  std::vector<std::string> patterns;
  std::string mode;                   // "normal", "bypass" or "write-only"
  double version_age_seconds = 0;     // since this sidecar first saw the version
};

struct Invalidation {
  std::string name;
  std::string version;   // the new one
  std::string previous;
};

// Outcome of an operation that may fail: `error` empty on success. `status` is the HTTP status
// to answer with on failure (404 unknown cache, 503 store unreachable, 400 bad input...).
struct Failure {
  int status = 0;
  std::string error;
};

struct ExplainResult {
  std::string key;
  std::optional<std::string> cache;  // null when no pattern matches
  std::string rewritten;             // the key as stored (the key itself when unversioned)
  std::string error;                 // non-empty when the key would be refused (reserved, too long)
};

struct Health {
  bool ok = true;
  std::vector<std::string> reasons;  // why not, one line each
};

class Service {
 public:
  virtual ~Service() = default;

  virtual std::vector<CacheInfo> caches() const = 0;
  virtual std::optional<CacheInfo> cache(const std::string& name) const = 0;
  virtual ExplainResult explain(const std::string& key) const = 0;

  // New versions for the named caches (all of them when `names` is empty and `all` is true):
  // written to the shared store, published, applied locally, then answered. On failure nothing
  // changed anywhere.
  using InvalidateDone = std::function<void(std::vector<Invalidation>, Failure)>;
  virtual void invalidate(std::vector<std::string> names, bool all, InvalidateDone done) = 0;

  using CacheDone = std::function<void(std::optional<CacheInfo>, Failure)>;
  virtual void setMode(const std::string& name, const std::string& mode, CacheDone done) = 0;

  // Deletes one client key, rewritten as the data path would, on the listener's backend.
  using DeleteDone = std::function<void(bool deleted, Failure)>;
  virtual void deleteKey(const std::string& listener, const std::string& key, DeleteDone done) = 0;

  // Re-reads the config file; on errors the running config stays and every error is returned.
  using ReloadDone = std::function<void(std::vector<std::string> errors)>;
  virtual void reload(ReloadDone done) = 0;

  virtual Health liveness() const = 0;
  virtual Health readiness() const = 0;
  // Prometheus text exposition format (version 0.0.4).
  virtual std::string metrics() const = 0;
};

}  // namespace vcproxy::admin
