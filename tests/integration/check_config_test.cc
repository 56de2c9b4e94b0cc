// `vcproxy check-config FILE`: exit 0 on a valid config, a clear error and a non-zero exit otherwise.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/proxy_test.h"

namespace vcproxy::test {
namespace {

class CheckConfigTest : public MemcacheProxyTest {
 protected:
  void SetUp() override {
    if (directMode()) GTEST_SKIP() << "check-config needs the vcproxy binary";
    MemcacheProxyTest::SetUp();
  }

  MemcacheProxyConfig validConfig() {
    MemcacheProxyConfig config;
    config.listen_port = 11311;  // never bound: check-config only reads the file
    config.backends = {backend().address()};
    config.caches = {{"all", {"*"}}};
    return config;
  }
};

TEST_F(CheckConfigTest, AcceptsAValidConfig) {
  CheckConfigResult result = runCheckConfig(proxyBinary(), toYaml(validConfig()));
  EXPECT_TRUE(result.status.ok()) << result.status.describe() << "\n" << result.output;
}

TEST_F(CheckConfigTest, RejectsAnUnknownProtocolWithAMessage) {
  std::string yaml = toYaml(validConfig());
  yaml.replace(yaml.find("protocol: memcache"), 18, "protocol: gopher");
  CheckConfigResult result = runCheckConfig(proxyBinary(), yaml);
  EXPECT_TRUE(result.status.exited && result.status.code != 0) << result.status.describe() << "\n" << result.output;
  EXPECT_NE(result.output.find("protocol"), std::string::npos) << "the error should name the bad field:\n"
                                                              << result.output;
}

}  // namespace
}  // namespace vcproxy::test
