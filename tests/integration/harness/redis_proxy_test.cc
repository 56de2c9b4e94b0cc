#include "tests/integration/harness/redis_proxy_test.h"

#include <algorithm>
#include <iostream>

#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/resp_client.h"

namespace vcproxy::test {
namespace {

// MemcacheProxyTest::directMode() is protected; the Redis tests skip in that mode.
struct BinaryOf : MemcacheProxyTest {
  using MemcacheProxyTest::directMode;
};

}  // namespace

bool isRedisStoreKey(std::string_view key, std::string_view name_space) {
  const std::string prefix = "~vc:" + std::string(name_space) + ":!";
  return key.starts_with(prefix);
}

std::string RedisProxyTest::binary() { return vcproxyBinary(); }

void RedisProxyTest::SetUp() {
  if (BinaryOf::directMode()) GTEST_SKIP() << "the Redis tests exercise vcproxy itself";
  if (binary().empty()) GTEST_SKIP() << "no vcproxy binary (no `vcproxy` CMake target, VCPROXY_BINARY unset)";
  backend_ = std::make_unique<RedisServer>();
}

void RedisProxyTest::TearDown() {
  if (!proxy_) return;
  stopAndReport(*proxy_);
  proxy_.reset();
}

void RedisProxyTest::startProxy(std::vector<CacheSpec> caches, std::string name_space) {
  ASSERT_TRUE(backend_) << "SetUp did not start the backend";
  RedisProxyConfig config;
  config.name_space = std::move(name_space);
  config.listen_port = freePort();
  config.backends = {backend_->address()};
  config.caches = std::move(caches);
  proxy_ = std::make_unique<ProxyProcess>(binary(), toRedisYaml(config), config.listen_port);
  ASSERT_TRUE(proxy_->start());
  proxy_port_ = config.listen_port;
}

void RedisProxyTest::expectNoUnversionedKeys(const std::vector<std::string>& caches, const std::string& name_space) {
  const auto keys = scanAllKeys(backend_->port());
  ASSERT_TRUE(keys.has_value()) << "SCAN on the backend " << backend_->address() << " failed";
  std::string listing;
  for (const auto& key : *keys) listing += "  " + visibleBytes(key) + "\n";
  SCOPED_TRACE("keys stored in the backend:\n" + listing);
  for (const auto& key : *keys) {
    if (isRedisStoreKey(key, name_space)) continue;
    const auto parsed = parseVersionedKey(key);
    if (!parsed) {
      ADD_FAILURE() << "key leaked unversioned into the backend: " << visibleBytes(key);
      continue;
    }
    EXPECT_EQ(parsed->name_space, name_space) << visibleBytes(key);
    if (!caches.empty()) {
      EXPECT_NE(std::find(caches.begin(), caches.end(), parsed->cache), caches.end())
          << "versioned for an unexpected cache: " << visibleBytes(key);
    }
  }
}

}  // namespace vcproxy::test
