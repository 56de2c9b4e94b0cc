#include "proxy/log/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace vcproxy::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};  // process-wide by nature: one stderr

constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

}  // namespace

void setLevel(Level level) { g_level = level; }

bool parseLevel(std::string_view name, Level& level) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = std::string(stamp) + "." + std::to_string(1000 + millis).substr(1) + "Z " +
                     kNames[static_cast<int>(level)] + " " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call per line: lines never interleave
}

}  // namespace vcproxy::log
