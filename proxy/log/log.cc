#include "proxy/log/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/log/line_format.h"

namespace vcproxy::log {
namespace {

// Process-wide by nature: there is one stderr.
std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
std::mutex g_secrets_mutex;  // logging is off the data path: a lock is fine here
std::vector<std::string> g_secrets;

constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kRedacted = "[redacted]";

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(stamp) + "." + std::to_string(1000 + millis).substr(1) + "Z";
}

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kRedacted.size())) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  return out;
}

}  // namespace

void setLevel(Level level) { g_level = level; }
void setFormat(Format format) { g_format = format; }

bool parseLevel(std::string_view name, Level& level) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool parseFormat(std::string_view name, Format& format) {
  if (name != "text" && name != "json") return false;
  format = name == "json" ? Format::kJson : Format::kText;
  return true;
}

void addSecret(std::string secret) {
  if (secret.empty()) return;
  std::lock_guard lock(g_secrets_mutex);
  g_secrets.push_back(std::move(secret));
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  const std::string time = timestamp();
  std::string clean_message;
  std::vector<std::string> values;
  std::vector<Field> clean_fields;
  {
    std::lock_guard lock(g_secrets_mutex);
    clean_message = redact(message, g_secrets);
    values.reserve(fields.size());
    for (const Field& field : fields) values.push_back(redact(field.value, g_secrets));
  }
  for (size_t i = 0; i < values.size(); ++i) clean_fields.push_back({fields.begin()[i].key, values[i]});
  const Record record{time, kNames[static_cast<int>(level)], clean_message, clean_fields};
  const std::string line = g_format.load(std::memory_order_relaxed) == Format::kJson ? formatJson(record)
                                                                                      : formatText(record);
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call per line: lines never interleave
}

}  // namespace vcproxy::log
