// Loading and validating a config file. Never throws: every problem comes back in
// LoadResult::errors, all of them in one pass, each with its position.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/endpoint.h"  // parseEndpoint, part of the loader's API

namespace vcproxy::config {

// Reads and validates the file at `path`; messages name the file as `path`.
LoadResult loadFile(const std::string& path);

// Validates `yaml_text`; messages name the file as `file_label`.
LoadResult loadString(std::string_view yaml_text, const std::string& file_label);

}  // namespace vcproxy::config
