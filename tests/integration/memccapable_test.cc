// memccapable (libmemcached's protocol conformance tool) through vcproxy: every ASCII test that
// passes against memcached must pass through the proxy with every key versioned.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {
namespace {

constexpr int kAsciiTests = 27;  // memccapable -a in libmemcached 1.1
constexpr auto kRunTimeout = std::chrono::seconds(30);

struct CapableReport {
  ExitStatus status;
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

int countOf(const std::string& text, std::string_view needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

// Each test prints "<name>   [pass]"; a failure prints "[FAIL]" (on stderr, with -v the assertion).
CapableReport runMemccapable(uint16_t port) {
  TempFile log("memccapable.log");
  // -t: per-operation timeout, so a reply the proxy never sends fails that test instead of hanging.
  Process process({"memccapable", "-a", "-v", "-t", "3", "-h", "127.0.0.1", "-p", std::to_string(port)},
                  log.path());
  CapableReport report;
  auto status = process.wait(kRunTimeout);
  report.timed_out = !status;
  report.status = status ? *status : process.stop();
  report.output = log.read();
  report.passed = countOf(report.output, "[pass]");
  report.failed = countOf(report.output, "[FAIL]");
  report.skipped = countOf(report.output, "[skip]");
  return report;
}

std::string summary(const CapableReport& report) {
  return std::to_string(report.passed) + " passed, " + std::to_string(report.failed) + " failed, " +
         std::to_string(report.skipped) + " skipped; " +
         (report.timed_out ? "killed after timeout" : report.status.describe());
}

using MemccapableTest = MemcacheProxyTest;

TEST_F(MemccapableTest, AsciiSuitePassesThroughProxyWithEveryKeyVersioned) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));

  // The baseline runs on a memcached of its own, so its keys cannot mix with the proxied run's.
  MemcachedServer reference;
  CapableReport baseline = runMemccapable(reference.port());
  CapableReport proxied = runMemccapable(proxyPort());
  std::string both = "\n--- memccapable against memcached: " + summary(baseline) + " ---\n" + baseline.output +
                     "--- memccapable through vcproxy: " + summary(proxied) + " ---\n" + proxied.output;

  ASSERT_EQ(baseline.passed, kAsciiTests) << "the baseline itself is broken" << both;
  ASSERT_TRUE(baseline.status.ok()) << both;
  EXPECT_EQ(proxied.passed, kAsciiTests) << both;
  EXPECT_EQ(proxied.failed, 0) << both;
  EXPECT_FALSE(proxied.timed_out) << both;
  EXPECT_TRUE(proxied.status.ok()) << both;
  EXPECT_NE(proxied.output.find("All tests passed"), std::string::npos) << both;
  // What memccapable left behind went through the rewriter too.
  expectOnlyVersionedKeys("all");
}

}  // namespace
}  // namespace vcproxy::test
