// redis-benchmark through vcproxy as a correctness smoke (not a timing test): its default tests,
// plain and pipelined, must finish with exit 0 and no error printed; afterwards the backend holds
// only versioned keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/redis_proxy_test.h"

namespace vcproxy::test {
namespace {

// Every test redis-benchmark runs by default (redis-benchmark -h).
constexpr const char* kDefaultTests =
    "ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange,mset";

class RedisBenchmarkTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  void runBenchmark(std::vector<std::string> extra) {
    TempFile output("redis-benchmark.out");
    std::vector<std::string> argv{"redis-benchmark", "-p", std::to_string(proxyPort()), "-n", "2000", "-c", "10", "-q"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string line;
    for (const auto& arg : argv) line += arg + " ";
    Process process(argv, output.path());
    const auto status = process.wait(std::chrono::seconds(90));
    const std::string text = output.read();
    ASSERT_TRUE(status.has_value()) << line << "did not finish within 90 s (a reply lost?)\n" << text;
    EXPECT_TRUE(status->ok()) << line << status->describe() << "\n" << text;
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(lower.find("error"), std::string::npos) << line << "printed an error:\n" << text;
    EXPECT_EQ(lower.find("err "), std::string::npos) << line << "printed an error:\n" << text;
    // -q prints one "NAME: N requests per second" line per test.
    size_t lines = 0;
    for (size_t at = 0; (at = text.find("requests per second", at)) != std::string::npos; ++at) ++lines;
    EXPECT_GE(lines, 20u) << line << "did not run every default test:\n" << text;
  }
};

TEST_F(RedisBenchmarkTest, DefaultTests) {
  ASSERT_NO_FATAL_FAILURE(runBenchmark({}));
  expectNoUnversionedKeys({"all"});
}

TEST_F(RedisBenchmarkTest, DefaultTestsPipelined) {
  ASSERT_NO_FATAL_FAILURE(runBenchmark({"-P", "16", "-t", kDefaultTests}));
  expectNoUnversionedKeys({"all"});
}

TEST_F(RedisBenchmarkTest, RandomKeysPipelined) {
  ASSERT_NO_FATAL_FAILURE(runBenchmark({"-P", "16", "-r", "1000", "-t", kDefaultTests}));
  expectNoUnversionedKeys({"all"});
}

}  // namespace
}  // namespace vcproxy::test
