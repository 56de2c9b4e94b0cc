// Pools: several backends with weights (string and map forms) and the failure handling options.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "tests/unit/config/expect_errors.h"

namespace vcproxy::config {
namespace {

std::string listener(std::string_view backends, std::string_view extra = {}, std::string_view protocol = "memcache") {
  return "listeners:\n  - name: mc\n    protocol: " + std::string(protocol) +
         "\n    listen: 127.0.0.1:11311\n    backends: " + std::string(backends) + "\n" + std::string(extra);
}

TEST(Pool, WeightsInStringAndMapForms) {
  const Config config = loadsOk(listener(
      "\n      - 10.0.0.1:11211\n      - 10.0.0.2:11211:3\n      - \"[::1]:11212:2\"\n"
      "      - {address: cache-d.internal:11211, weight: 5}\n      - {address: 10.0.0.5:11211}"));
  ASSERT_EQ(config.listeners.size(), 1u);
  const auto& b = config.listeners[0].backends;
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0].weight, 1u);
  EXPECT_EQ(b[1].host, "10.0.0.2");
  EXPECT_EQ(b[1].port, 11211);
  EXPECT_EQ(b[1].weight, 3u);
  EXPECT_EQ(b[1].text, "10.0.0.2:11211");  // the address, as metrics and messages show it
  EXPECT_EQ(b[2].host, "::1");
  EXPECT_EQ(b[2].port, 11212);
  EXPECT_EQ(b[2].weight, 2u);
  EXPECT_EQ(b[3].host, "cache-d.internal");
  EXPECT_EQ(b[3].weight, 5u);
  EXPECT_EQ(b[4].weight, 1u);
}

TEST(Pool, FailureOptionsDefaultsAndValues) {
  const Config defaults = loadsOk(listener("[127.0.0.1:1, 127.0.0.1:2]"));
  EXPECT_EQ(defaults.listeners[0].server_failure_limit, 2u);
  EXPECT_FALSE(defaults.listeners[0].auto_eject_hosts);
  EXPECT_EQ(defaults.listeners[0].server_retry_timeout_ms, 30000u);
  const Config set = loadsOk(listener("[127.0.0.1:1, 127.0.0.1:2]",
                                      "    server_failure_limit: 3\n    auto_eject_hosts: true\n"
                                      "    server_retry_timeout_ms: 500\n"));
  EXPECT_EQ(set.listeners[0].server_failure_limit, 3u);
  EXPECT_TRUE(set.listeners[0].auto_eject_hosts);
  EXPECT_EQ(set.listeners[0].server_retry_timeout_ms, 500u);
}

TEST(Pool, BadWeightsAreReportedWithTheirPosition) {
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:11211:0]"), 5, 16,
                          {"listeners[0].backends[0]: expected host:port", "weight after the port must be an integer 1..10000"}));
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:11211:x]"), 5, 16, {"listeners[0].backends[0]: expected host:port"}));
  EXPECT_TRUE(hasOneError(listener("\n      - {address: 127.0.0.1:1, weight: 20000}"), 6, 40,
                          {"listeners[0].backends[0].weight: expected an integer 1..10000"}));
  const LoadResult misspelt = loadString(listener("\n      - {addr: 127.0.0.1:1}"), kLabel);
  ASSERT_EQ(misspelt.errors.size(), 2u) << allErrors(misspelt);
  EXPECT_TRUE(errorMatches(misspelt.errors[0], 6, 9, {"listeners[0].backends[0]: missing required key \"address\""}));
  EXPECT_TRUE(errorMatches(misspelt.errors[1], 6, 10, {"unknown key \"addr\"", "expected one of address, weight"}));
}

TEST(Pool, SameServerTwiceIsRefusedWhateverItsWeight) {
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:1, \"127.0.0.1:1:4\"]"), 5, 29, {"is listed twice"}));
}

TEST(Pool, RedisTakesOneBackend) {
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:1, 127.0.0.1:2]", "", "redis"), 5, 15,
                          {"a redis listener takes one backend", "add cluster: true"}));
}

TEST(Pool, BadFailureOptions) {
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:1]", "    auto_eject_hosts: yes please\n"), 6, 23, {"expected true or false"}));
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:1]", "    server_failure_limit: 0\n"), 6, 27, {"expected an integer 1..1000"}));
  EXPECT_TRUE(hasOneError(listener("[127.0.0.1:1]", "    server_retry_timeout_ms: -1\n"), 6, 30, {"expected an integer"}));
}

}  // namespace
}  // namespace vcproxy::config
