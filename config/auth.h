// Internal to config/: the Redis listener's credentials (password_file / password_env for its
// clients, backend_auth for its backend), read and checked with positions.
#pragma once

#include "config/node_reader.h"

namespace vcproxy::config {

// Reads password_file / password_env and backend_auth of the listener `map` (at `field`).
void readListenerAuth(const Field& field, const MapView& map, Listener& listener, Diagnostics& diag);

}  // namespace vcproxy::config
