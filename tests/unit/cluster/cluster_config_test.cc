// `cluster: true` on a listener: redis only, several seed backends, and an explicit version store
// when the cluster listener is the first one (the store's default).
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/unit/config/expect_errors.h"

namespace vcproxy::config {
namespace {

constexpr std::string_view kStore = "version_store: {url: \"redis://127.0.0.1:6379\"}\n";

std::string clusterListener(std::string_view protocol, std::string_view cluster,
                            std::string_view backends = "127.0.0.1:7001, 127.0.0.1:7002, 127.0.0.1:7003") {
  return "listeners:\n"
         "  - name: rc\n"
         "    protocol: " + std::string(protocol) + "\n"
         "    listen: 127.0.0.1:6380\n"
         "    backends: [" + std::string(backends) + "]\n"
         "    cluster: " + std::string(cluster) + "\n";
}

TEST(ClusterConfig, SeedsOfARedisCluster) {
  const Config config = loadsOk(clusterListener("redis", "true") + std::string(kStore));
  ASSERT_EQ(config.listeners.size(), 1u);
  EXPECT_TRUE(config.listeners[0].cluster);
  EXPECT_EQ(config.listeners[0].backends.size(), 3u);
}

TEST(ClusterConfig, OffByDefault) {
  const Config config = loadsOk(clusterListener("redis", "false", "127.0.0.1:6379") + std::string(kStore));
  EXPECT_FALSE(config.listeners[0].cluster);
}

// Without cluster: true a redis listener takes one backend.
TEST(ClusterConfig, SeveralBackendsNeedCluster) {
  EXPECT_TRUE(hasOneError(clusterListener("redis", "false") + std::string(kStore), 5, 15,
                          {"a redis listener takes one backend", "add cluster: true"}));
}

TEST(ClusterConfig, NotABoolean) {
  EXPECT_TRUE(hasOneError(clusterListener("redis", "yes please", "127.0.0.1:6379") + std::string(kStore), 6, 14,
                          {"listeners[0].cluster: expected true or false"}));
}

TEST(ClusterConfig, MemcacheCannotBeACluster) {
  EXPECT_TRUE(hasOneError(clusterListener("memcache", "true", "127.0.0.1:11211") + std::string(kStore), 6, 14,
                          {"listeners[0].cluster: a cluster needs protocol: redis"}));
}

TEST(ClusterConfig, FirstListenerClusterNeedsAnExplicitStore) {
  EXPECT_TRUE(hasOneError(clusterListener("redis", "true"), 6, 14,
                          {"listeners[0].cluster: the version store defaults to the first listener's backend, which "
                          "cannot be a Redis Cluster; expected version_store.url"}));
}

// read_from: master (the default) or replica, the latter on cluster listeners only.
TEST(ClusterConfig, ReplicaReadsOnACluster) {
  const Config config = loadsOk(clusterListener("redis", "true") + "    read_from: replica\n" + std::string(kStore));
  EXPECT_TRUE(config.listeners[0].read_from_replicas);
  const Config masters = loadsOk(clusterListener("redis", "true") + "    read_from: master\n" + std::string(kStore));
  EXPECT_FALSE(masters.listeners[0].read_from_replicas);
  EXPECT_FALSE(loadsOk(clusterListener("redis", "true") + std::string(kStore)).listeners[0].read_from_replicas);
}

TEST(ClusterConfig, ReplicaReadsNeedCluster) {
  EXPECT_TRUE(hasOneError(clusterListener("redis", "false", "127.0.0.1:6379") + "    read_from: replica\n" +
                              std::string(kStore),
                          7, 16, {"listeners[0].read_from: replica reads need cluster: true", "expected master"}));
}

TEST(ClusterConfig, ReadFromIsMasterOrReplica) {
  EXPECT_TRUE(hasOneError(clusterListener("redis", "true") + "    read_from: slave\n" + std::string(kStore), 7, 16,
                          {"listeners[0].read_from: expected master or replica"}));
}

}  // namespace
}  // namespace vcproxy::config
