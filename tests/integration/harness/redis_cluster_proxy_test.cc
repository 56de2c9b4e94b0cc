#include "tests/integration/harness/redis_cluster_proxy_test.h"

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/resp_client.h"

namespace vcproxy::test {

void RedisClusterProxyTest::startCluster(size_t replicas_per_master) {
  if (vcproxyBinary().empty()) GTEST_SKIP() << "no vcproxy binary";
  cluster_ = std::make_unique<RedisClusterServers>(replicas_per_master);
  store_ = std::make_unique<RedisServer>();
}

void RedisClusterProxyTest::startProxy(const std::string& listener_extra) {
  port_ = freePort();
  const std::string yaml = "namespace: it\nworkers: 2\nlisteners:\n  - name: redis\n    protocol: redis\n"
                           "    listen: 127.0.0.1:" + std::to_string(port_) + "\n    backends: [" +
                           cluster_->node(0).address() + "]\n    cluster: true\n    timeout_ms: 3000\n" +
                           listener_extra + "version_store:\n  url: redis://" + store_->address() + "\n"
                           "caches:\n  - name: users\n    patterns: [\"user:*\", \"{user*\"]\n"
                           "  - name: rest\n    patterns: [\"*\"]\n";
  proxy_ = std::make_unique<ProxyProcess>(vcproxyBinary(), yaml, port_);
  ASSERT_TRUE(proxy_->start());
}

void RedisClusterProxyTest::TearDown() {
  if (!proxy_) return;
  stopAndReport(*proxy_);
  proxy_.reset();
}

std::vector<std::string> RedisClusterProxyTest::keysOn(size_t i) {
  const auto keys = scanAllKeys(cluster_->node(i).port());
  EXPECT_TRUE(keys.has_value());
  return keys.value_or(std::vector<std::string>{});
}

}  // namespace vcproxy::test
