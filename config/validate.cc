#include "config/validate.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "config/auth.h"
#include "config/backends.h"
#include "config/endpoint.h"

namespace vcproxy::config {
namespace {

constexpr std::array<std::string_view, 7> kTopKeys = {"namespace", "workers",       "listeners",        "admin",
                                                      "version_store", "caches", "shutdown_grace_ms"};
constexpr std::array<std::string_view, 22> kListenerKeys = {
    "name",          "protocol",           "listen",          "backends",
    "timeout_ms",    "connect_timeout_ms", "max_value_bytes", "backend_connections",
    "server_failure_limit", "auto_eject_hosts", "server_retry_timeout_ms",
    "password_file", "password_env",       "backend_auth",    "cluster",         "read_from",
    "max_client_connections", "client_idle_timeout_ms", "client_request_timeout_ms",
    "client_write_timeout_ms", "client_max_pending_replies", "client_max_pending_bytes"};
constexpr std::array<std::string_view, 2> kAdminKeys = {"listen", "token_file"};
constexpr std::array<std::string_view, 3> kStoreKeys = {"url", "refresh_interval_ms", "max_staleness_ms"};
constexpr std::array<std::string_view, 2> kCacheKeys = {"name", "patterns"};

constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();
constexpr size_t kMaxNamespace = 64;  // it goes inside every rewritten key
constexpr size_t kMaxCacheName = 64;
constexpr size_t kMaxPattern = 250;  // memcached's key length limit
constexpr uint64_t kMaxWorkers = 256;
constexpr uint64_t kMaxTimeoutMs = 600000;
constexpr uint64_t kMaxValueBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxBackendConnections = 64;
constexpr uint64_t kMaxClientConnections = 1000000;
constexpr uint64_t kMaxClientTimeoutMs = 86400000;
constexpr uint64_t kMaxPendingReplies = 1000000;
constexpr uint64_t kMinPendingBytes = 65536;  // below one read's worth, reading would stall
constexpr uint64_t kMaxPendingBytes = uint64_t{1} << 30;
constexpr uint64_t kMinRefreshMs = 10;
constexpr uint64_t kMaxRefreshMs = 3600000;
constexpr uint64_t kMinStalenessMs = 100;
constexpr uint64_t kMaxStalenessMs = 86400000;
constexpr uint64_t kMaxRedisDb = std::numeric_limits<int32_t>::max();

constexpr std::string_view kRedisScheme = "redis://";
constexpr std::string_view kMemcacheScheme = "memcache://";
constexpr std::string_view kCredentials = "credentials in the URL are not supported";
constexpr std::string_view kStoreUrlForms = "redis://host:port[/db] or memcache://host:port";
constexpr std::string_view kPatternWhat =
    "a key pattern of 1..250 bytes without spaces or control characters";

void readUint32(const MapView& map, std::string_view key, uint64_t min, uint64_t max, uint32_t& out,
                Diagnostics& diag) {
  if (auto field = map.optional(key)) {
    if (auto value = readInteger(*field, min, max, diag)) out = static_cast<uint32_t>(*value);
  }
}

void readWorkers(const Field& field, Config& config, Diagnostics& diag) {
  if (field.node.IsScalar() && field.node.Scalar() == "auto") {
    config.workers = 0;
    return;
  }
  const std::string what = "\"auto\" or an integer 1.." + std::to_string(kMaxWorkers);
  if (auto value = readInteger(field, 1, kMaxWorkers, diag, what)) {
    config.workers = static_cast<unsigned>(*value);
  }
}

std::optional<Protocol> readProtocol(const Field& field, Diagnostics& diag) {
  constexpr std::string_view kWhat = "one of memcache, redis";
  std::optional<std::string> text = readString(field, kWhat, diag);
  if (!text) return std::nullopt;
  if (*text == protocolName(Protocol::kMemcache)) return Protocol::kMemcache;
  if (*text == protocolName(Protocol::kRedis)) return Protocol::kRedis;
  reportExpected(diag, field, kWhat);
  return std::nullopt;
}

// Reports `name` when an earlier listener or cache (`kind`) already has it.
template <typename Item>
void checkUniqueName(const Field& field, const std::string& name, const std::vector<Item>& earlier,
                     std::string_view kind, Diagnostics& diag) {
  for (size_t i = 0; i < earlier.size(); ++i) {
    if (earlier[i].name != name) continue;
    diag.add(field.mark, field.path + ": " + std::string(kind) + " name " + quote(name) +
                             " is already used by " + std::string(kind) + "s[" + std::to_string(i) +
                             "]; expected unique names");
    return;
  }
}

void checkUniqueListen(const Field& field, const Endpoint& listen, const Config& config,
                       Diagnostics& diag) {
  std::string user;
  if (sameAddress(listen, config.admin.listen)) user = "admin.listen";
  for (size_t i = 0; i < config.listeners.size() && user.empty(); ++i) {
    if (sameAddress(listen, config.listeners[i].listen)) {
      user = "listeners[" + std::to_string(i) + "].listen";
    }
  }
  if (user.empty()) return;
  diag.add(field.mark, field.path + ": address " + quote(listen.text) + " is already used by " +
                           user + "; expected a distinct address");
}

// `cluster: true`: the backends are seed nodes of a Redis Cluster (read after protocol).
void readCluster(const Field& field, Listener& listener, Diagnostics& diag) {
  constexpr std::string_view kWhat = "true or false";
  const std::optional<std::string> text = readString(field, kWhat, diag);
  if (!text) return;
  if (*text != "true" && *text != "false") {
    reportExpected(diag, field, kWhat);
    return;
  }
  listener.cluster = *text == "true";
  if (listener.cluster && listener.protocol != Protocol::kRedis) {
    diag.add(field.mark, field.path + ": a cluster needs protocol: redis; expected false or no cluster key");
  }
}

// `read_from: replica` (read after cluster): read-only commands go to the replicas of their slot.
void readReadFrom(const Field& field, Listener& listener, Diagnostics& diag) {
  constexpr std::string_view kWhat = "master or replica";
  const std::optional<std::string> text = readString(field, kWhat, diag);
  if (!text) return;
  if (*text != "master" && *text != "replica") {
    reportExpected(diag, field, kWhat);
    return;
  }
  listener.read_from_replicas = *text == "replica";
  if (listener.read_from_replicas && !listener.cluster) {
    diag.add(field.mark, field.path + ": replica reads need cluster: true (vcproxy learns the replicas from the "
                                      "cluster's slot map); expected master or no read_from key");
  }
}

// The default version store is the first listener's first backend: one node of a cluster holds
// only some slots, so the store's hash would answer MOVED. A cluster needs an explicit store.
void checkClusterStore(const YAML::Node& root, const Config& config, Diagnostics& diag) {
  if (!config.version_store.url.empty() || config.listeners.empty() || !config.listeners.front().cluster) return;
  // Const lookups: a non-const operator[] would add missing keys to the document.
  const YAML::Node listeners = root["listeners"];
  const YAML::Node first = listeners[0];
  const YAML::Node cluster = first["cluster"];
  diag.add(cluster.Mark(),
           "listeners[0].cluster: the version store defaults to the first listener's backend, which cannot be a "
           "Redis Cluster; expected version_store.url naming a standalone Redis or memcached");
}

void readClientLimits(const MapView& map, Listener& listener, Diagnostics& diag) {
  readUint32(map, "max_client_connections", 0, kMaxClientConnections, listener.max_client_connections, diag);
  readUint32(map, "client_idle_timeout_ms", 0, kMaxClientTimeoutMs, listener.client_idle_timeout_ms, diag);
  readUint32(map, "client_request_timeout_ms", 0, kMaxClientTimeoutMs, listener.client_request_timeout_ms, diag);
  readUint32(map, "client_write_timeout_ms", 0, kMaxClientTimeoutMs, listener.client_write_timeout_ms, diag);
  readUint32(map, "client_max_pending_replies", 1, kMaxPendingReplies, listener.client_max_pending_replies, diag);
  readUint32(map, "client_max_pending_bytes", kMinPendingBytes, kMaxPendingBytes, listener.client_max_pending_bytes,
             diag);
}

// `config` holds the admin settings and the listeners read so far, for the uniqueness checks.
Listener readListener(const Field& field, const Config& config, Diagnostics& diag) {
  Listener listener;
  MapView map(field, kListenerKeys, diag);
  if (auto f = map.required("name")) {
    if (auto name = readName(*f, kNoLimit, false, diag)) {
      checkUniqueName(*f, *name, config.listeners, "listener", diag);
      listener.name = *name;
    }
  }
  if (auto f = map.required("protocol")) {
    if (auto protocol = readProtocol(*f, diag)) listener.protocol = *protocol;
  }
  if (auto f = map.required("listen")) {
    if (auto listen = readEndpoint(*f, diag)) {
      checkUniqueListen(*f, *listen, config, diag);
      listener.listen = *listen;
    }
  }
  if (auto f = map.optional("cluster")) readCluster(*f, listener, diag);  // before backends: seeds
  if (auto f = map.optional("read_from")) readReadFrom(*f, listener, diag);
  if (auto f = map.required("backends")) readBackends(*f, listener, diag);
  readUint32(map, "timeout_ms", 1, kMaxTimeoutMs, listener.timeout_ms, diag);
  readUint32(map, "connect_timeout_ms", 1, kMaxTimeoutMs, listener.connect_timeout_ms, diag);
  readUint32(map, "max_value_bytes", 1, kMaxValueBytes, listener.max_value_bytes, diag);
  readUint32(map, "backend_connections", 1, kMaxBackendConnections, listener.backend_connections,
             diag);
  readPoolOptions(map, listener, diag);
  readListenerAuth(field, map, listener, diag);
  readClientLimits(map, listener, diag);
  return listener;
}

void readListeners(const Field& field, Config& config, Diagnostics& diag) {
  if (!field.node.IsSequence() || field.node.size() == 0) {
    reportExpected(diag, field, "a non-empty list of listeners");
    return;
  }
  for (const Field& item : itemsOf(field)) {
    if (!item.node.IsMap()) {
      reportExpected(diag, item, "a listener map with name, protocol, listen, backends");
      continue;
    }
    Listener listener = readListener(item, config, diag);
    config.listeners.push_back(std::move(listener));
  }
}

void readAdmin(const Field& field, Admin& admin, Diagnostics& diag) {
  if (!field.node.IsMap()) {
    reportExpected(diag, field, "a map with listen, token_file");
    return;
  }
  MapView map(field, kAdminKeys, diag);
  if (auto f = map.optional("listen")) {
    if (auto listen = readEndpoint(*f, diag)) admin.listen = *listen;
  }
  if (auto f = map.optional("token_file")) {
    if (auto path = readString(*f, "a file path", diag)) admin.token_file = *path;
  }
  // Anyone who reaches a non-loopback admin port could invalidate every cache.
  const Endpoint& listen = admin.listen;
  const bool loopback = listen.is_unix || listen.host == "localhost" || listen.host == "::1" ||
                        listen.host.starts_with("127.");
  if (!loopback && admin.token_file.empty()) {
    diag.add(field.mark, field.path + ".listen: " + listen.text +
                             " is not a loopback address: set admin.token_file (a token is required off loopback)");
  }
}

// Fills the parsed parts of `store` from `url`; returns why it is not valid, empty if it is.
std::string parseStoreUrl(std::string_view url, VersionStore& store) {
  std::string_view rest;
  if (url.starts_with(kRedisScheme)) {
    store.protocol = Protocol::kRedis;
    rest = url.substr(kRedisScheme.size());
  } else if (url.starts_with(kMemcacheScheme)) {
    store.protocol = Protocol::kMemcache;
    rest = url.substr(kMemcacheScheme.size());
  } else {
    return "unknown scheme";
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos)
    return std::string(kCredentials);
  std::string why;
  std::optional<Endpoint> endpoint = parseEndpoint(authority, &why);
  if (!endpoint || endpoint->is_unix) return endpoint ? "expected host:port after the scheme" : why;
  store.endpoint = *endpoint;
  if (slash == std::string_view::npos) return {};
  if (store.protocol == Protocol::kMemcache) return "memcache URLs take no path";
  std::string_view db = rest.substr(slash + 1);
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), number);
  if (db.empty() || ec != std::errc() || end != db.data() + db.size() || number > kMaxRedisDb) {
    return "database must be a non-negative integer";
  }
  store.db = static_cast<uint32_t>(number);
  return {};
}

void readVersionStore(const Field& field, Config& config, Diagnostics& diag) {
  if (!field.node.IsMap()) {
    reportExpected(diag, field, "a map with url, refresh_interval_ms, max_staleness_ms");
    return;
  }
  MapView map(field, kStoreKeys, diag);
  VersionStore store;
  if (auto f = map.optional("url")) {
    if (auto url = readString(*f, kStoreUrlForms, diag)) {
      std::string why = parseStoreUrl(*url, store);
      if (why == kCredentials) {
        // Not quoted back: the message is printed and logged, the URL holds a password.
        diag.add(f->mark, f->path + ": expected " + std::string(kStoreUrlForms) + " (" + why + ")");
      } else if (!why.empty()) {
        reportExpected(diag, *f, kStoreUrlForms, why);
      }
      store.url = *url;
    }
  }
  readUint32(map, "refresh_interval_ms", kMinRefreshMs, kMaxRefreshMs, store.refresh_interval_ms,
             diag);
  readUint32(map, "max_staleness_ms", kMinStalenessMs, kMaxStalenessMs, store.max_staleness_ms, diag);
  config.version_store = std::move(store);
}

bool isPatternByte(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte != 0x7f;
}

void readPatterns(const Field& field, Cache& cache, Diagnostics& diag) {
  if (!field.node.IsSequence() || field.node.size() == 0) {
    reportExpected(diag, field, "a non-empty list of key patterns, e.g. [\"acl:*\"]");
    return;
  }
  for (const Field& item : itemsOf(field)) {
    std::optional<std::string> pattern = readString(item, kPatternWhat, diag);
    if (!pattern) continue;
    std::string detail;
    if (pattern->empty()) {
      detail = "empty";
    } else if (pattern->size() > kMaxPattern) {
      detail = std::to_string(pattern->size()) + " bytes";
    } else if (!std::all_of(pattern->begin(), pattern->end(), isPatternByte)) {
      detail = "contains a space or control character";
    }
    if (!detail.empty()) {
      reportExpected(diag, item, kPatternWhat, detail);
      continue;
    }
    cache.patterns.push_back(std::move(*pattern));
  }
}

Cache readCache(const Field& field, const std::vector<Cache>& earlier, Diagnostics& diag) {
  Cache cache;
  MapView map(field, kCacheKeys, diag);
  if (auto f = map.required("name")) {
    if (auto name = readName(*f, kMaxCacheName, false, diag)) {
      checkUniqueName(*f, *name, earlier, "cache", diag);
      cache.name = *name;
    }
  }
  if (auto f = map.required("patterns")) readPatterns(*f, cache, diag);
  return cache;
}

void readCaches(const Field& field, Config& config, Diagnostics& diag) {
  if (!field.node.IsSequence()) {
    reportExpected(diag, field, "a list of caches");
    return;
  }
  for (const Field& item : itemsOf(field)) {
    if (!item.node.IsMap()) {
      reportExpected(diag, item, "a cache map with name, patterns");
      continue;
    }
    Cache cache = readCache(item, config.caches, diag);
    config.caches.push_back(std::move(cache));
  }
}

}  // namespace

Config buildConfig(const YAML::Node& root, Diagnostics& diag) {
  Config config;
  Field top{root, root.Mark(), ""};
  if (!root.IsMap()) {
    reportExpected(diag, top, "a map of settings (listeners, caches, ...)");
    return config;
  }
  MapView map(top, kTopKeys, diag);
  if (auto f = map.optional("namespace")) {
    if (auto name = readName(*f, kMaxNamespace, true, diag)) config.namespace_name = *name;
  }
  if (auto f = map.optional("workers")) readWorkers(*f, config, diag);
  readUint32(map, "shutdown_grace_ms", 0, 3600000, config.shutdown_grace_ms, diag);
  // Admin first: listener addresses are checked against it.
  if (auto f = map.optional("admin")) readAdmin(*f, config.admin, diag);
  if (auto f = map.required("listeners")) readListeners(*f, config, diag);
  if (auto f = map.optional("version_store")) readVersionStore(*f, config, diag);
  if (auto f = map.optional("caches")) readCaches(*f, config, diag);
  checkClusterStore(root, config, diag);
  return config;
}

}  // namespace vcproxy::config
