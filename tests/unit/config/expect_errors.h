// Test helpers: load a YAML text and check the errors it gives.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "config/loader.h"

namespace vcproxy::config {

inline constexpr const char* kLabel = "t.yaml";

inline std::string allErrors(const LoadResult& result) {
  std::string out;
  for (const Error& error : result.errors) out += "  " + error.toString() + "\n";
  return out;
}

// Checks one error: position and every fragment of its message.
inline ::testing::AssertionResult errorMatches(const Error& error, int line, int column,
                                               std::initializer_list<std::string_view> fragments) {
  if (error.file != kLabel || error.line != line || error.column != column) {
    return ::testing::AssertionFailure() << "expected an error at " << kLabel << ":" << line << ":"
                                         << column << ", got " << error.toString();
  }
  for (std::string_view fragment : fragments) {
    if (error.message.find(fragment) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "message lacks \"" << fragment << "\": " << error.toString();
    }
  }
  return ::testing::AssertionSuccess();
}

// The text must fail to load with exactly one error, at line:column, naming every fragment.
inline ::testing::AssertionResult hasOneError(std::string_view yaml, int line, int column,
                                              std::initializer_list<std::string_view> fragments) {
  LoadResult result = loadString(yaml, kLabel);
  if (result.config) return ::testing::AssertionFailure() << "loaded without errors";
  if (result.errors.size() != 1) {
    return ::testing::AssertionFailure()
           << "expected 1 error, got " << result.errors.size() << ":\n"
           << allErrors(result);
  }
  return errorMatches(result.errors[0], line, column, fragments);
}

// The text must load; returns the config (a default one after a failed check).
inline Config loadsOk(std::string_view yaml) {
  LoadResult result = loadString(yaml, kLabel);
  EXPECT_TRUE(result.config.has_value()) << allErrors(result);
  EXPECT_TRUE(result.errors.empty());
  return result.config.value_or(Config{});
}

}  // namespace vcproxy::config
