#include "proxy/app/metrics_text.h"

#include <map>
#include <set>
#include <sstream>

#include "proxy/net/cluster_snapshot.h"
#include "proxy/net/listener.h"
#include "proxy/net/redis_cluster.h"

namespace vcproxy::app {
namespace {

// Label values are escaped as the format requires: backslash, double quote and newline.
std::string label(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

struct BackendTotals {
  uint64_t requests = 0, errors = 0, zero_copy_bytes = 0, count = 0;
  int64_t connected = 0, ejected = 0;
  double sum = 0;
  std::array<uint64_t, net::kLatencyBounds.size() + 1> buckets{};
};

void addCounters(BackendTotals& t, const net::BackendCounters& c) {
  t.requests += c.requests.get();
  t.errors += c.errors.get();
  t.zero_copy_bytes += c.zero_copy_bytes.get();
  t.connected += c.connected.get();
  t.ejected += c.ejected.get();
  t.count += c.latency.count();
  t.sum += c.latency.sumSeconds();
  for (size_t i = 0; i < t.buckets.size(); ++i) t.buckets[i] += c.latency.bucket(i);
}

// Sums every worker's upstream counters per (listener, backend); for a Redis Cluster, every node
// the worker knows (seeds, and the masters and replicas of the slot map).
std::map<std::pair<std::string, std::string>, BackendTotals> backendTotals(const ProxyServer& server) {
  std::map<std::pair<std::string, std::string>, BackendTotals> totals;
  for (const auto& worker : server.workers()) {
    for (const auto& listener : worker->listeners()) {
      const std::string& name = listener->spec().name;
      if (const net::RedisCluster* cluster = listener->cluster()) {
        const auto snapshot = cluster->snapshot();
        for (const auto& node : snapshot->nodes) {
          for (const net::BackendCounters* counters : node.connections) addCounters(totals[{name, node.address}], *counters);
        }
        continue;
      }
      for (const auto& upstream : listener->upstreams()) {
        addCounters(totals[{name, upstream->address().text}], upstream->counters());
      }
    }
  }
  return totals;
}

void renderCaches(std::ostringstream& out, const ProxyServer& server, const versions::VersionManager& manager) {
  const auto caches = manager.caches();
  // Counters live in each cache's stats slot, which stays with its name across reloads.
  const auto sum = [&](size_t i, const net::Counter net::CacheCounters::*counter) {
    uint64_t total = 0;
    for (const auto& worker : server.workers()) {
      const net::CacheCounters* counters = static_cast<const net::Worker&>(*worker).cacheCounters(caches[i].stats_slot);
      total += counters != nullptr ? (counters->*counter).get() : 0;
    }
    return total;
  };
  header(out, "vcproxy_cache_reads_total", "counter", "Keys read through the proxy (get, gets, gat, gats, mg).");
  for (size_t i = 0; i < caches.size(); ++i)
    out << "vcproxy_cache_reads_total{cache=\"" << label(caches[i].name) << "\"} " << sum(i, &net::CacheCounters::reads) << '\n';
  header(out, "vcproxy_cache_hits_total", "counter", "Keys read and found.");
  for (size_t i = 0; i < caches.size(); ++i)
    out << "vcproxy_cache_hits_total{cache=\"" << label(caches[i].name) << "\"} " << sum(i, &net::CacheCounters::hits) << '\n';
  header(out, "vcproxy_cache_misses_total", "counter", "Keys read and not found (or bypassed).");
  for (size_t i = 0; i < caches.size(); ++i) {
    const uint64_t reads = sum(i, &net::CacheCounters::reads), hits = sum(i, &net::CacheCounters::hits);
    out << "vcproxy_cache_misses_total{cache=\"" << label(caches[i].name) << "\"} " << (reads > hits ? reads - hits : 0) << '\n';
  }
  header(out, "vcproxy_cache_sets_total", "counter", "Writes of values (set, add, replace, append, prepend, cas, ms).");
  for (size_t i = 0; i < caches.size(); ++i)
    out << "vcproxy_cache_sets_total{cache=\"" << label(caches[i].name) << "\"} " << sum(i, &net::CacheCounters::writes) << '\n';
  header(out, "vcproxy_cache_invalidations_total", "counter", "Invalidations made through this sidecar.");
  for (const auto& cache : caches)
    out << "vcproxy_cache_invalidations_total{cache=\"" << label(cache.name) << "\"} " << manager.invalidations(cache.name) << '\n';
  header(out, "vcproxy_cache_version_age_seconds", "gauge", "Time since this sidecar first saw the cache's current version.");
  for (const auto& cache : caches)
    out << "vcproxy_cache_version_age_seconds{cache=\"" << label(cache.name) << "\"} " << cache.version_age_seconds << '\n';
}

void renderBackends(std::ostringstream& out, const ProxyServer& server) {
  const auto totals = backendTotals(server);
  const auto labels = [](const auto& key) {
    return "listener=\"" + label(key.first) + "\",backend=\"" + label(key.second) + "\"";
  };
  header(out, "vcproxy_backend_requests_total", "counter", "Requests sent to the backend.");
  for (const auto& [key, t] : totals) out << "vcproxy_backend_requests_total{" << labels(key) << "} " << t.requests << '\n';
  header(out, "vcproxy_backend_errors_total", "counter", "Requests answered with an error because of the backend (down, timeout).");
  for (const auto& [key, t] : totals) out << "vcproxy_backend_errors_total{" << labels(key) << "} " << t.errors << '\n';
  header(out, "vcproxy_backend_zero_copy_bytes_total", "counter",
         "Reply bytes sent to clients from the buffer they were read into, never copied (memcached values of 4 KiB and more).");
  for (const auto& [key, t] : totals) {
    out << "vcproxy_backend_zero_copy_bytes_total{" << labels(key) << "} " << t.zero_copy_bytes << '\n';
  }
  header(out, "vcproxy_backend_connections", "gauge", "Open connections to the backend.");
  for (const auto& [key, t] : totals) out << "vcproxy_backend_connections{" << labels(key) << "} " << t.connected << '\n';
  header(out, "vcproxy_backend_ejected", "gauge",
         "Connections whose backend is ejected from its pool (auto_eject_hosts; counted per worker connection).");
  for (const auto& [key, t] : totals) out << "vcproxy_backend_ejected{" << labels(key) << "} " << t.ejected << '\n';
  header(out, "vcproxy_backend_latency_seconds", "histogram", "Time from sending a request to its reply.");
  for (const auto& [key, t] : totals) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < t.buckets.size(); ++i) {
      cumulative += t.buckets[i];
      out << "vcproxy_backend_latency_seconds_bucket{" << labels(key) << ",le=\"";
      if (i < net::kLatencyBounds.size()) out << net::kLatencyBounds[i];
      else out << "+Inf";
      out << "\"} " << cumulative << '\n';
    }
    out << "vcproxy_backend_latency_seconds_sum{" << labels(key) << "} " << t.sum << '\n';
    out << "vcproxy_backend_latency_seconds_count{" << labels(key) << "} " << t.count << '\n';
  }
}

struct ListenerTotals {
  int64_t active = 0;
  uint64_t accepted = 0, refused = 0, idle = 0, request = 0, write = 0;
};

void renderListeners(std::ostringstream& out, const ProxyServer& server) {
  std::map<std::string, ListenerTotals> listeners;
  for (const auto& worker : server.workers()) {
    for (const auto& listener : worker->listeners()) {
      ListenerTotals& t = listeners[listener->spec().name];
      const net::ListenerCounters& c = listener->counters();
      t.active += c.active.get();
      t.accepted += c.accepted.get();
      t.refused += c.refused.get();
      t.idle += c.idle_timeouts.get();
      t.request += c.request_timeouts.get();
      t.write += c.write_timeouts.get();
    }
  }
  header(out, "vcproxy_client_connections", "gauge", "Open client connections.");
  for (const auto& [name, t] : listeners) out << "vcproxy_client_connections{listener=\"" << label(name) << "\"} " << t.active << '\n';
  header(out, "vcproxy_client_connections_accepted_total", "counter", "Client connections accepted.");
  for (const auto& [name, t] : listeners)
    out << "vcproxy_client_connections_accepted_total{listener=\"" << label(name) << "\"} " << t.accepted << '\n';
  header(out, "vcproxy_client_connections_refused_total", "counter",
         "Client connections refused because the listener had max_client_connections open.");
  for (const auto& [name, t] : listeners)
    out << "vcproxy_client_connections_refused_total{listener=\"" << label(name) << "\"} " << t.refused << '\n';
  header(out, "vcproxy_client_timeouts_total", "counter",
         "Client connections closed by a timeout: idle, request (arriving too slowly), write (replies left unread).");
  for (const auto& [name, t] : listeners) {
    const std::pair<const char*, uint64_t> reasons[] = {{"idle", t.idle}, {"request", t.request}, {"write", t.write}};
    for (const auto& [reason, value] : reasons) {
      out << "vcproxy_client_timeouts_total{listener=\"" << label(name) << "\",reason=\"" << reason << "\"} " << value
          << '\n';
    }
  }
}

}  // namespace

std::string renderMetrics(const ProxyServer& server, const versions::VersionManager& manager,
                          const versions::VersionStore& store) {
  std::ostringstream out;
  renderCaches(out, server, manager);
  renderBackends(out, server);
  renderListeners(out, server);
  header(out, "vcproxy_versions_loaded", "gauge", "1 once versions were loaded from the store.");
  out << "vcproxy_versions_loaded " << (manager.loaded() ? 1 : 0) << '\n';
  header(out, "vcproxy_version_store_up", "gauge", "1 while the version store answers in time.");
  out << "vcproxy_version_store_up{store=\"" << label(store.describe()) << "\"} "
      << (manager.storeError().empty() ? 1 : 0) << '\n';
  return out.str();
}

// A Redis Cluster listener is ready when, in every worker, every slot has a master with a
// connection up (the seeds do not matter once the map is read); others when a connection is up.
std::vector<std::string> unreachableBackends(const ProxyServer& server) {
  std::map<std::string, int64_t> connected;
  std::set<std::string> cluster_problems;  // the same in several workers: said once
  for (const auto& worker : server.workers()) {
    for (const auto& listener : worker->listeners()) {
      const std::string& name = listener->spec().name;
      if (const net::RedisCluster* cluster = listener->cluster()) {
        for (const std::string& problem : net::clusterServingProblems(*cluster->snapshot())) {
          cluster_problems.insert("listener " + name + ": " + problem);
        }
        continue;
      }
      auto& up = connected[name];
      for (const auto& upstream : listener->upstreams()) up += upstream->counters().connected.get();
    }
  }
  std::vector<std::string> reasons(cluster_problems.begin(), cluster_problems.end());
  for (const auto& [name, up] : connected) {
    if (up == 0) reasons.push_back("listener " + name + ": no backend connection is up");
  }
  return reasons;
}

}  // namespace vcproxy::app
