#include "proxy/app/admin_service.h"

#include "proxy/app/metrics_text.h"
#include "proxy/app/one_shot.h"
#include "proxy/codec/cluster_topology.h"
#include "proxy/codec/mc_request.h"
#include "proxy/codec/resp_encode.h"
#include "proxy/pool/ketama.h"
#include "proxy/net/redis_cluster.h"
#include "proxy/route/version.h"

namespace vcproxy::app {
namespace {

admin::CacheInfo toInfo(const versions::CacheState& state) {
  return {state.name, state.version, state.patterns, state.mode, state.version_age_seconds};
}

net::Address toAddress(const config::Endpoint& endpoint) {
  return {endpoint.is_unix, endpoint.host, endpoint.port, endpoint.path, endpoint.text};
}

// The backend that holds `key` (as stored): its ketama server in a memcache pool, else the only one.
const config::Endpoint& backendOf(const config::Listener& listener, const std::string& key) {
  if (listener.backends.size() == 1) return listener.backends.front();
  std::vector<pool::PoolMember> members;
  for (const auto& b : listener.backends) {
    members.push_back({b.is_unix ? b.path : b.host, b.is_unix ? uint16_t{0} : b.port, b.weight});
  }
  return listener.backends[pool::Continuum::build(members).serverFor(key)];
}

}  // namespace

AdminService::AdminService(uv_loop_t* loop, const config::Config& config, versions::VersionManager& manager,
                           const versions::VersionStore& store, const ProxyServer& server, Reload reload)
    : loop_(loop), config_(config), manager_(manager), store_(store), server_(server), reload_(std::move(reload)) {}

std::vector<admin::CacheInfo> AdminService::caches() const {
  std::vector<admin::CacheInfo> infos;
  for (const auto& state : manager_.caches()) infos.push_back(toInfo(state));
  return infos;
}

std::optional<admin::CacheInfo> AdminService::cache(const std::string& name) const {
  for (const auto& state : manager_.caches()) {
    if (state.name == name) return toInfo(state);
  }
  return std::nullopt;
}

admin::ExplainResult AdminService::explain(const std::string& key) const {
  const auto rewriter = manager_.current();
  admin::ExplainResult result{key, std::nullopt, key, {}};
  uint32_t cache = route::Matcher::kNoCache;
  std::string rewritten;
  const auto status = rewriter->rewrite(key, codec::kMaxKeyLength, rewritten, &cache);
  if (cache != route::Matcher::kNoCache) result.cache = rewriter->versions().at(cache).name;
  if (status == route::RewriteStatus::kRewritten) result.rewritten = rewritten;
  if (status == route::RewriteStatus::kReserved) result.error = "the key starts with the reserved prefix ~vc:";
  if (status == route::RewriteStatus::kTooLong) result.error = "the key is over 250 bytes once versioned (memcached's limit)";
  if (!manager_.loaded()) result.error = "versions are not loaded yet: versioned keys are bypassed";
  return result;
}

void AdminService::invalidate(std::vector<std::string> names, bool all, InvalidateDone done) {
  if (all) {
    names.clear();
    for (const auto& state : manager_.caches()) names.push_back(state.name);
  }
  for (const auto& name : names) {
    if (!manager_.hasCache(name)) return done({}, {404, "unknown cache: " + name});
  }
  manager_.invalidate(names, [this, done = std::move(done)](std::vector<versions::VersionChange> changes, std::string error) {
    if (!error.empty()) return done({}, {503, "version store " + store_.describe() + ": " + error});
    std::vector<admin::Invalidation> result;
    for (auto& change : changes) result.push_back({change.name, change.version, change.previous});
    whenApplied([done, result = std::move(result)]() mutable { done(std::move(result), {}); });
  });
}

void AdminService::setMode(const std::string& name, const std::string& mode, CacheDone done) {
  if (!manager_.hasCache(name)) return done(std::nullopt, {404, "unknown cache: " + name});
  if (!route::parseMode(mode)) return done(std::nullopt, {400, "mode must be normal, bypass or write-only"});
  manager_.setMode(name, mode, [this, name, done = std::move(done)](std::string error) {
    if (!error.empty()) return done(std::nullopt, {503, "version store " + store_.describe() + ": " + error});
    whenApplied([this, name, done] { done(cache(name), {}); });
  });
}

namespace {

constexpr int kMaxDeleteRedirects = 5;

constexpr std::string_view kAsking = "*1\r\n$6\r\nASKING\r\n";

// A cluster listener's seed may not serve the key's slot: its MOVED is followed, and an ASK (the
// slot is being migrated and the key is on the importing node already) by asking once there.
void sendDelete(uv_loop_t* loop, const net::Address& address, std::string request, uint32_t timeout_ms,
                int redirects_left, admin::Service::DeleteDone done, bool asking = false) {
  std::string bytes = asking ? std::string(kAsking) + request : request;
  sendOneRequest(
      loop, address, std::move(bytes), timeout_ms,
      [=, request = std::move(request), done = std::move(done)](std::string line, std::string error) mutable {
        if (!error.empty()) return done(false, {503, error});
        if (line == "DELETED" || line == ":1") return done(true, {});
        if (line == "NOT_FOUND" || line == ":0") return done(false, {});
        const std::string reply = line + "\r\n";  // the redirect's address points into it
        const auto redirect = codec::parseRedirect(reply);
        net::Address next;
        if (redirect && redirects_left > 0 &&
            net::parseNodeAddress(codec::redirectTarget(redirect->address, address.text), next)) {
          return sendDelete(loop, next, std::move(request), timeout_ms, redirects_left - 1, std::move(done),
                            redirect->ask);
        }
        done(false, {502, "backend answered: " + line});
      },
      asking ? 1 : 0);  // ASKING's +OK first
}

}  // namespace

void AdminService::deleteKey(const std::string& listener, const std::string& key, DeleteDone done) {
  const config::Listener* found = nullptr;
  for (const auto& l : config_.listeners) found = l.name == listener ? &l : found;
  if (found == nullptr) return done(false, {404, "unknown listener: " + listener});
  const bool memcache = found->protocol == config::Protocol::kMemcache;
  std::string wire = key;
  const auto status = manager_.current()->rewrite(key, memcache ? codec::kMaxKeyLength : SIZE_MAX, wire);
  if (status == route::RewriteStatus::kReserved || status == route::RewriteStatus::kTooLong ||
      (memcache && !codec::isValidTextKey(key))) {
    return done(false, {400, "key refused: " + std::string(route::rewriteStatusName(status))});
  }
  if (status == route::RewriteStatus::kUnchanged) wire = key;
  std::string request;
  if (memcache) {
    request = "delete " + wire + "\r\n";
  } else {
    const std::string_view args[] = {"DEL", wire};
    codec::appendRespCommand(args, request);
  }
  sendDelete(loop_, toAddress(backendOf(*found, wire)), std::move(request), found->timeout_ms,
             found->cluster ? kMaxDeleteRedirects : 0, std::move(done));
}

void AdminService::reload(ReloadDone done) { reload_(std::move(done)); }

// Runs `then` once every worker uses the manager's current snapshot, so that an answer means the
// change is in force on this sidecar (workers swap within microseconds; bounded by 1 s).
void AdminService::whenApplied(std::function<void()> then) {
  struct Wait {
    uv_timer_t timer;
    std::function<void()> then;
    const AdminService* service;
    int ticks_left = 1000;
  };
  if (server_.applied(manager_.current().get())) return then();
  auto* wait = new Wait{{}, std::move(then), this};
  uv_timer_init(loop_, &wait->timer);
  wait->timer.data = wait;
  uv_timer_start(&wait->timer, [](uv_timer_t* timer) {
    auto* w = static_cast<Wait*>(timer->data);
    const bool applied = w->service->server_.applied(w->service->manager_.current().get());
    if (!applied && --w->ticks_left > 0) return;
    w->then();
    uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete static_cast<Wait*>(h->data); });
  }, 1, 1);
}

admin::Health AdminService::liveness() const { return {}; }

admin::Health AdminService::readiness() const {
  admin::Health health;
  if (!manager_.loaded()) health.reasons.push_back("versions not loaded yet: " + manager_.storeError());
  if (manager_.degraded()) {
    health.reasons.push_back("version store " + store_.describe() + " unreachable for too long: " +
                             manager_.storeError() + " (versioned keys are bypassed)");
  }
  for (const auto& reason : unreachableBackends(server_)) health.reasons.push_back(reason);
  if (server_.draining()) health.reasons.push_back("shutting down: serving open connections only");
  if (!server_.applied(manager_.current().get())) health.reasons.push_back("workers are switching to new versions");
  health.ok = health.reasons.empty();
  return health;
}

std::string AdminService::metrics() const { return renderMetrics(server_, manager_, store_); }

}  // namespace vcproxy::app
