// How one log record becomes one line, in either format. Pure functions, so the escaping is
// unit-tested without a process: whatever bytes a message holds (a client's key, a YAML error
// quoting control characters), the output is exactly one line, and valid JSON in JSON mode.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "proxy/log/log.h"

namespace vcproxy::log {

struct Record {
  std::string_view time;  // RFC 3339 UTC, e.g. 2026-11-21T06:48:40.123Z
  std::string_view level;
  std::string_view message;
  std::span<const Field> fields;
};

// `<time> <level> <message> key=value key="two words"`; control bytes as \xNN.
std::string formatText(const Record& record);
// {"ts":...,"level":...,"msg":...,<fields>}; invalid UTF-8 becomes U+FFFD.
std::string formatJson(const Record& record);

// `text` with every control byte (and DEL) written as \xNN and backslashes doubled.
std::string escapeControl(std::string_view text);

}  // namespace vcproxy::log
