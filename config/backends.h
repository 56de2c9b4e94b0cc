// Internal to config/: a listener's backends (a pool when there are several) and the pool's
// failure handling options.
#pragma once

#include "config/node_reader.h"

namespace vcproxy::config {

// `backends:` is one endpoint, or a list whose items are "host:port", "host:port:weight"
// ("[v6]:port:weight") or a map {address: endpoint, weight: N}. Weights are 1..10000
// (default 1). Redis listeners take one backend.
void readBackends(const Field& field, Listener& listener, Diagnostics& diag);

// server_failure_limit, auto_eject_hosts, server_retry_timeout_ms of `map` into `listener`.
void readPoolOptions(const MapView& map, Listener& listener, Diagnostics& diag);

}  // namespace vcproxy::config
