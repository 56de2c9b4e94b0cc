// Internal to config/: turns a parsed YAML document into a Config.
#pragma once

#include "config/node_reader.h"

namespace vcproxy::config {

// Reads every setting of `root`, reporting each problem to `diag` and carrying on, so one
// pass finds them all. The Config is only meaningful when `diag` stays empty.
Config buildConfig(const YAML::Node& root, Diagnostics& diag);

}  // namespace vcproxy::config
