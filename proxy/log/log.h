// Thread-safe logging to stderr: one line per message, as text (the default) or as JSON lines
// (`--log-format json`) for log collectors. A message may carry fields (listener, reason...),
// which become ` key=value` in text and members of the JSON object.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace vcproxy::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

struct Field {
  std::string_view key;  // a plain identifier: never escaped
  std::string_view value;
};

void setLevel(Level level);
bool parseLevel(std::string_view name, Level& level);
void setFormat(Format format);
bool parseFormat(std::string_view name, Format& format);

// A value that must never reach the log (the admin token): every occurrence in a message or a
// field is written as "[redacted]" from now on.
void addSecret(std::string secret);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void info(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::kInfo, message, fields);
}
inline void warn(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::kWarn, message, fields);
}
inline void error(std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::kError, message, fields);
}

}  // namespace vcproxy::log
