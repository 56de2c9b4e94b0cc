// Prometheus text exposition (format 0.0.4) of the proxy's counters, summed over workers.
#pragma once

#include <string>
#include <vector>

#include "proxy/app/proxy_server.h"
#include "proxy/versions/version_manager.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::app {

std::string renderMetrics(const ProxyServer& server, const versions::VersionManager& manager,
                          const versions::VersionStore& store);

// Listeners none of whose backend connections is up, one line each (for /readyz).
std::vector<std::string> unreachableBackends(const ProxyServer& server);

}  // namespace vcproxy::app
