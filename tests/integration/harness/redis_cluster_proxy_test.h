// vcproxy in front of a real Redis Cluster (RedisClusterServers): one `cluster: true` listener
// with one seed, node 0 (the rest is discovered), and a standalone Redis as the version store.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/redis_cluster.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {

class RedisClusterProxyTest : public testing::Test {
 protected:
  void TearDown() override;  // stops vcproxy (a crash or unclean exit fails the test), prints its log on failure

  // Skips without a vcproxy binary; else starts the cluster and the store. Use with
  // ASSERT_NO_FATAL_FAILURE.
  void startCluster(size_t replicas_per_master = 0);
  // `listener_extra`: more keys of the listener, each line "    key: value\n".
  void startProxy(const std::string& listener_extra = "");

  // Every key stored on node i.
  std::vector<std::string> keysOn(size_t i);

  std::unique_ptr<RedisClusterServers> cluster_;
  std::unique_ptr<RedisServer> store_;
  std::unique_ptr<ProxyProcess> proxy_;
  uint16_t port_ = 0;
};

}  // namespace vcproxy::test
