// What a reload may change while running, and what needs a restart.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace vcproxy::app {

// The settings that differ between `running` and `next` and can only take effect on a restart
// (sockets, threads, the store's address), one message each. Caches, patterns and the store's
// timings are applied live, so they are never listed.
std::vector<std::string> restartOnlyChanges(const config::Config& running, const config::Config& next);

}  // namespace vcproxy::app
