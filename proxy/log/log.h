// Minimal thread-safe logging to stderr: one line per message, with level and time.
#pragma once

#include <string_view>

namespace vcproxy::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void setLevel(Level level);
bool parseLevel(std::string_view name, Level& level);
void write(Level level, std::string_view message);

inline void info(std::string_view message) { write(Level::kInfo, message); }
inline void warn(std::string_view message) { write(Level::kWarn, message); }
inline void error(std::string_view message) { write(Level::kError, message); }

}  // namespace vcproxy::log
