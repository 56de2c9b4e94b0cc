// A fresh redis-server per test and vcproxy in front of it with one `protocol: redis` listener.
// The version store is the backend itself (the default), so the backend also holds vcproxy's own
// keys ~vc:<namespace>:!versions and ~vc:<namespace>:!modes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {

// The memcache harness's config and YAML, with a redis listener.
struct RedisProxyConfig : MemcacheProxyConfig {
  RedisProxyConfig() { protocol = "redis"; }
};

inline std::string toRedisYaml(const RedisProxyConfig& config) { return toYaml(config); }

// The version store's own keys in the backend: ~vc:<namespace>:!...
bool isRedisStoreKey(std::string_view key, std::string_view name_space = "it");

class RedisProxyTest : public testing::Test {
 protected:
  void SetUp() override;     // skips without a binary or in VCPROXY_TEST_DIRECT mode; starts redis-server
  void TearDown() override;  // stops vcproxy (a crash or unclean exit fails the test), prints its log on failure

  // Starts vcproxy in front of backend(); use with ASSERT_NO_FATAL_FAILURE.
  void startProxy(std::vector<CacheSpec> caches = {{"all", {"*"}}}, std::string name_space = "it");

  uint16_t proxyPort() const { return proxy_port_; }
  uint16_t adminPort() const { return proxy_ ? proxy_->adminPort() : 0; }
  RedisServer& backend() { return *backend_; }
  ProxyProcess* proxy() { return proxy_.get(); }

  // Every key of the backend is either versioned (~vc:<ns>:<cache>:<version>:<key>, cache among
  // `caches` when given) or the store's own; lists offenders with ADD_FAILURE.
  void expectNoUnversionedKeys(const std::vector<std::string>& caches = {}, const std::string& name_space = "it");

  static std::string binary();

 private:
  std::unique_ptr<RedisServer> backend_;
  std::unique_ptr<ProxyProcess> proxy_;
  uint16_t proxy_port_ = 0;
};

}  // namespace vcproxy::test
