// redis-cli (the real tool, hiredis underneath) as a client of vcproxy: the same invocations
// against vcproxy and against a second, fresh Redis print the same output.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {
namespace {

struct ToolRun {
  ExitStatus status;
  std::string output;
};

// Runs `argv` (a shell command line when it starts with "sh") with a deadline.
ToolRun runTool(const std::vector<std::string>& argv, std::chrono::seconds limit = std::chrono::seconds(20)) {
  TempFile output("redis-cli.out");
  Process process(argv, output.path());
  ToolRun run;
  const auto status = process.wait(limit);
  run.status = status ? *status : process.stop(std::chrono::milliseconds(100), SIGKILL);
  run.output = output.read();
  if (!status) run.output += "\n<killed after " + std::to_string(limit.count()) + " s>";
  return run;
}

std::string sortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

class RedisCliTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    reference_ = std::make_unique<RedisServer>();
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  // `redis-cli -p PORT <args>` on both; the outputs (sorted by line when `sort`) must match.
  std::string same(const std::vector<std::string>& args, bool sort = false) {
    auto command = [&](uint16_t port) {
      std::vector<std::string> argv{"redis-cli", "-p", std::to_string(port)};
      argv.insert(argv.end(), args.begin(), args.end());
      return argv;
    };
    const ToolRun want = runTool(command(reference_->port()));
    const ToolRun got = runTool(command(proxyPort()));
    std::string line;
    for (const auto& arg : args) line += " " + arg;
    EXPECT_TRUE(want.status.ok()) << "redis-cli" << line << " on Redis: " << want.status.describe() << "\n"
                                  << want.output;
    EXPECT_EQ(got.status.describe(), want.status.describe()) << "redis-cli" << line << "\n" << got.output;
    EXPECT_EQ(sort ? sortedLines(got.output) : got.output, sort ? sortedLines(want.output) : want.output)
        << "redis-cli -p PORT" << line;
    return got.output;
  }

  std::unique_ptr<RedisServer> reference_;
};

TEST_F(RedisCliTest, SetGetScan) {
  EXPECT_EQ(same({"set", "k", "v"}), "OK\n");
  EXPECT_EQ(same({"get", "k"}), "v\n");
  same({"set", "k2", "v2"});
  same({"set", "other", "o"});
  EXPECT_EQ(sortedLines(same({"--scan", "--pattern", "k*"}, true)), "k\nk2\n");
  same({"--scan"}, true);
  same({"keys", "*"}, true);
  same({"mget", "k", "k2", "nokey"});
  same({"--raw", "get", "nokey"});
  same({"--no-raw", "get", "k"});
  same({"-3", "hset", "h", "f", "v"});
  same({"-3", "hgetall", "h"});
  same({"rpush", "l", "a", "b"});
  same({"lmpop", "1", "l", "left"});
  same({"--no-raw", "blpop", "l", "1"});
  same({"--no-raw", "blpop", "l", "1"});  // times out: nil
  same({"type", "h"});
  same({"del", "k", "k2"});
  same({"exists", "k"});
  same({"--scan", "--pattern", "k*"}, true);
  same({"nosuchcommand", "x"});
  expectNoUnversionedKeys({"all"});
}

TEST_F(RedisCliTest, PipeMode) {
  const std::string input = "SET p1 1\\r\\nSET p2 2\\r\\nINCR p1\\r\\nRPUSH pl a b c\\r\\n";
  for (uint16_t port : {reference_->port(), proxyPort()}) {
    const ToolRun run = runTool({"sh", "-c", "printf '" + input + "' | redis-cli --pipe -p " + std::to_string(port)});
    EXPECT_TRUE(run.status.ok()) << run.status.describe() << "\n" << run.output;
    EXPECT_NE(run.output.find("errors: 0, replies: 4"), std::string::npos)
        << (port == proxyPort() ? "through vcproxy" : "direct") << ":\n" << run.output;
  }
  same({"mget", "p1", "p2"});
  same({"lrange", "pl", "0", "-1"});
  expectNoUnversionedKeys({"all"});
}

TEST_F(RedisCliTest, BigKeysSeesOnlyClientKeys) {
  same({"set", "str", "value"});
  same({"rpush", "lst", "a", "b", "c"});
  same({"hset", "hsh", "f", "v"});
  const ToolRun run = runTool({"redis-cli", "-p", std::to_string(proxyPort()), "--bigkeys"});
  EXPECT_TRUE(run.status.ok()) << run.status.describe() << "\n" << run.output;
  EXPECT_EQ(run.output.find("~vc:"), std::string::npos) << "--bigkeys through vcproxy shows a versioned key:\n"
                                                        << run.output;
  for (const char* key : {"\"str\"", "\"lst\"", "\"hsh\""}) {
    EXPECT_NE(run.output.find(key), std::string::npos) << key << " missing from --bigkeys:\n" << run.output;
  }
}

}  // namespace
}  // namespace vcproxy::test
