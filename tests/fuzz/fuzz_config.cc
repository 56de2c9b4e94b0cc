// libFuzzer target: the config loader on arbitrary text (yaml-cpp underneath). It must never
// crash nor let an exception out, and give either a config or errors, never both nor neither.
// Errors name the file, point into the text (line and column 0 when unknown, else within it)
// and come sorted by position; a config that loads is one the proxy can run (listeners with
// backends, unique names).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "fuzz_check.h"

namespace vcproxy::fuzz {
namespace {

// Bounds on the positions in `text`, generous on what counts as a line break: lines counts LF
// and lone CR, columns restart at LF only (yaml-cpp's own counting).
struct Extent {
  int lines = 1;
  int longest = 0;  // longest line, in bytes
};

Extent extentOf(std::string_view text) {
  Extent extent;
  int column = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool crlf = text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    if (text[i] == '\n' || (text[i] == '\r' && !crlf)) ++extent.lines;
    column = text[i] == '\n' ? 0 : column + 1;
    extent.longest = std::max(extent.longest, column);
  }
  return extent;
}

// Positions are checked against the bytes only for text yaml-cpp reads as plain UTF-8: it takes
// a NUL among the first bytes, or a UTF-16/32 byte order mark, for UTF-16 or UTF-32 and counts
// positions in what it decoded, and past a NUL elsewhere its columns run beyond the line.
bool readAsUtf8(std::string_view text) {
  return text.find('\0') == std::string_view::npos && !text.starts_with("\xFE\xFF") &&
         !text.starts_with("\xFF\xFE");
}

void checkErrors(const config::LoadResult& result, std::string_view text) {
  const Extent extent = extentOf(text);
  const bool utf8 = readAsUtf8(text);
  for (size_t i = 0; i < result.errors.size(); ++i) {
    const config::Error& error = result.errors[i];
    require(error.file == "fuzz.yaml", "errors name the file");
    require(!error.message.empty(), "errors say what is wrong");
    require(error.line >= 0 && error.column >= 0, "positions are never negative");
    if (utf8) {
      require(error.line <= extent.lines + 1, "an error's line is within the text");
      // +2: out of input inside an escape (`a: "\`), yaml-cpp points one past the end of the line.
      require(error.column <= extent.longest + 2, "an error's column is within the text");
    }
    require(error.line > 0 || error.column == 0, "an unknown line has no column");
    require(error.toString().starts_with("fuzz.yaml"), "an error's text starts with the file");
    if (i > 0) {
      const config::Error& before = result.errors[i - 1];
      require(before.line < error.line || (before.line == error.line && before.column <= error.column),
              "errors are sorted by position");
    }
  }
}

void checkConfig(const config::Config& config) {
  require(!config.listeners.empty(), "a config has listeners");
  std::set<std::string> names;
  for (const auto& listener : config.listeners) {
    require(!listener.backends.empty(), "a listener has backends");
    require(names.insert(listener.name).second, "listener names are unique");
  }
  names.clear();
  for (const auto& cache : config.caches) require(names.insert(cache.name).second, "cache names are unique");
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcproxy;
  if (size > 16 * 1024) return 0;  // config files, not bulk data
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const config::LoadResult result = config::loadString(text, "fuzz.yaml");
  fuzz::require(result.config.has_value() != !result.errors.empty(), "either a config or errors, never both");
  fuzz::checkErrors(result, text);
  if (result.config) fuzz::checkConfig(*result.config);
  return 0;
}
