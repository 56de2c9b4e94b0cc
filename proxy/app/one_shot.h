// One request to a backend on its own short-lived connection, answered by its first line:
// what the admin API's DELETE /listeners/{l}/keys/{key} needs, off the data path.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "proxy/net/address.h"

namespace vcproxy::app {

// Connects to `address`, writes `request`, and calls `done` with the first reply line after
// `skip_lines` others (without "\r\n"; the skipped ones answer requests sent first, say Redis'
// ASKING) or an error message, within `timeout_ms`. Runs on `loop`'s thread.
void sendOneRequest(uv_loop_t* loop, const net::Address& address, std::string request, uint32_t timeout_ms,
                    std::function<void(std::string line, std::string error)> done, size_t skip_lines = 0);

}  // namespace vcproxy::app
