// The command line of the proxy: --version, --log-format (JSON lines a log collector can parse,
// with no secret in them) and clear errors for bad values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/proxy_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kToken = "s3cret-admin-token";

class CommandLineTest : public MemcacheProxyTest {
 protected:
  void SetUp() override {
    if (directMode()) GTEST_SKIP() << "needs the vcproxy binary";
    MemcacheProxyTest::SetUp();
  }

  // Runs `vcproxy args...` to its end; stdout and stderr together.
  std::pair<ExitStatus, std::string> run(std::vector<std::string> args) {
    TempFile output("cli.out");
    args.insert(args.begin(), proxyBinary());
    Process process(std::move(args), output.path());
    auto status = process.wait(10s);
    return {status ? *status : process.stop(), output.read()};
  }

  std::string yaml(uint16_t port, uint16_t admin_port, const std::string& token_file, const std::string& workers) {
    return "workers: " + workers + "\nlisteners:\n  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:" +
           std::to_string(port) + "\n    backends: [" + backend().address() +
           "]\nadmin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) + "\n  token_file: " + token_file +
           "\ncaches:\n  - name: all\n    patterns: [\"*\"]\n";
  }
};

TEST_F(CommandLineTest, VersionPrintsTheVersionAndExitsZero) {
  const auto [status, output] = run({"--version"});
  EXPECT_TRUE(status.ok()) << status.describe();
  EXPECT_TRUE(std::regex_match(output, std::regex("vcproxy [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << output;
}

TEST_F(CommandLineTest, HelpListsTheLogFlags) {
  const auto [status, output] = run({"--help"});
  EXPECT_TRUE(status.ok()) << status.describe();
  EXPECT_NE(output.find("--log-format text|json"), std::string::npos) << output;
  EXPECT_NE(output.find("--log-level debug|info|warn|error"), std::string::npos) << output;
}

TEST_F(CommandLineTest, BadLogFormatIsAUsageError) {
  const auto [status, output] = run({"--config", "/nonexistent.yaml", "--log-format", "xml"});
  EXPECT_TRUE(status.exited && status.code == 2) << status.describe();
  EXPECT_NE(output.find("unknown log format: xml (expected text or json)"), std::string::npos) << output;
  const auto [missing, missing_output] = run({"--config", "/nonexistent.yaml", "--log-format"});
  EXPECT_TRUE(missing.exited && missing.code == 2) << missing.describe();
  EXPECT_NE(missing_output.find("--log-format"), std::string::npos) << missing_output;
}

// Every line vcproxy writes to stderr is one JSON object with ts, level and msg; a reload error
// that quotes the admin token (and a control byte) still gives valid JSON, with the token redacted.
TEST_F(CommandLineTest, JsonLogLinesParseAndNeverHoldTheToken) {
  TempFile token_file("admin-token", std::string(kToken) + "\n");
  const uint16_t port = freePort();
  const uint16_t admin_port = freePort();
  ProxyProcess proxy(proxyBinary(), yaml(port, admin_port, token_file.path(), "2"), port);
  proxy.setExtraArgs({"--log-format", "json", "--log-level", "debug"});
  ASSERT_TRUE(proxy.start());
  // A reload whose error message quotes the token, with a control byte in it.
  std::ofstream(proxy.configPath()) << yaml(port, admin_port, token_file.path(), "\"" + std::string(kToken) + "\\x01\"");
  ASSERT_TRUE(proxy.process()->kill(SIGHUP));
  std::string logs;
  for (int i = 0; i < 250 && logs.find("reload refused") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    logs = proxy.logs();
  }
  ASSERT_TRUE(proxy.stop());
  logs = proxy.logs();
  EXPECT_EQ(logs.find(kToken), std::string::npos) << "the admin token reached the log:\n" << logs;

  std::istringstream lines(logs);
  std::string line;
  int count = 0;
  bool refused_seen = false;
  while (std::getline(lines, line)) {
    ++count;
    const Json doc = Json::parse(line, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << "line " << count << " is not a JSON object: " << line;
    ASSERT_TRUE(doc["ts"].is_string() && doc["level"].is_string() && doc["msg"].is_string()) << line;
    EXPECT_TRUE(std::regex_match(doc["ts"].get<std::string>(),
                                 std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z")))
        << line;
    const std::string level = doc["level"];
    EXPECT_TRUE(level == "debug" || level == "info" || level == "warn" || level == "error") << line;
    const std::string msg = doc["msg"];
    if (msg.find("reload refused") != std::string::npos) {
      refused_seen = true;
      EXPECT_EQ(level, "error");
      EXPECT_NE(msg.find("[redacted]\\x01"), std::string::npos) << "the token redacted, the control byte escaped: " << line;
    }
  }
  EXPECT_GE(count, 4) << logs;  // listener, workers, admin API, reload, stop at least
  EXPECT_TRUE(refused_seen) << logs;
  EXPECT_NE(logs.find("\"msg\":\"stopped\""), std::string::npos) << logs;
}

}  // namespace
}  // namespace vcproxy::test
