// The continuum against libmemcached itself: the same servers, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED,
// and every key must land on the same server.
#include "proxy/pool/ketama.h"

#include <gtest/gtest.h>
#include <libmemcached/memcached.h>

#include <string>
#include <vector>

namespace vcproxy::pool {
namespace {

constexpr int kKeys = 100000;

// A libmemcached handle configured as a KETAMA_WEIGHTED client of `members` (no connection made).
class LibmemcachedRing {
 public:
  explicit LibmemcachedRing(const std::vector<PoolMember>& members) : memc_(memcached_create(nullptr)) {
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    for (const PoolMember& m : members) {
      const auto rc = m.port == 0 ? memcached_server_add_unix_socket_with_weight(memc_, m.host.c_str(), m.weight)
                                  : memcached_server_add_with_weight(memc_, m.host.c_str(), m.port, m.weight);
      EXPECT_EQ(rc, MEMCACHED_SUCCESS) << memcached_strerror(memc_, rc);
    }
  }
  ~LibmemcachedRing() { memcached_free(memc_); }
  LibmemcachedRing(const LibmemcachedRing&) = delete;
  LibmemcachedRing& operator=(const LibmemcachedRing&) = delete;

  uint32_t serverFor(const std::string& key) const { return memcached_generate_hash(memc_, key.data(), key.size()); }

 private:
  memcached_st* memc_;
};

std::string keyNumber(int i) { return "~vc:shop:users:W626QxYc:user:" + std::to_string(i); }

void expectSamePlacement(const std::vector<PoolMember>& members) {
  LibmemcachedRing ring(members);
  const Continuum continuum = Continuum::build(members);
  int differ = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = keyNumber(i);
    if (continuum.serverFor(key) != ring.serverFor(key) && ++differ <= 5) {
      ADD_FAILURE() << key << ": vcproxy " << continuum.serverFor(key) << ", libmemcached " << ring.serverFor(key);
    }
  }
  EXPECT_EQ(differ, 0) << "of " << kKeys << " keys";
}

TEST(KetamaTest, ServerNamesAsLibmemcachedHashesThem) {
  EXPECT_EQ(ketamaServerName("10.0.0.1", 11211), "10.0.0.1");  // the default port is left out
  EXPECT_EQ(ketamaServerName("10.0.0.1", 11212), "10.0.0.1:11212");
  EXPECT_EQ(ketamaServerName("cache-a.internal", 22122), "cache-a.internal:22122");
  EXPECT_EQ(ketamaServerName("/run/mc.sock", 0), "/run/mc.sock:0");
}

TEST(KetamaTest, ThreeEqualServersAgreeWithLibmemcached) {
  expectSamePlacement({{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 1}, {"127.0.0.1", 21003, 1}});
}

TEST(KetamaTest, DefaultPortAndHostNamesAgreeWithLibmemcached) {
  expectSamePlacement({{"10.1.0.1", 11211, 1}, {"10.1.0.2", 11211, 1}, {"cache-c.internal", 11311, 1},
                       {"::1", 11211, 1}});
}

TEST(KetamaTest, WeightedServersAgreeWithLibmemcached) {
  expectSamePlacement({{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 2}, {"127.0.0.1", 21003, 5}});
  expectSamePlacement({{"10.0.0.1", 11211, 3}, {"10.0.0.2", 11211, 7}, {"10.0.0.3", 11211, 11},
                       {"10.0.0.4", 11211, 13}, {"10.0.0.5", 11211, 100}});
}

TEST(KetamaTest, ManyServersAgreeWithLibmemcached) {
  std::vector<PoolMember> members;
  for (uint16_t i = 0; i < 17; ++i) members.push_back({"192.168.7." + std::to_string(i + 1), 11211, 1});
  expectSamePlacement(members);
}

TEST(KetamaTest, OneServerTakesEveryKey) {
  const std::vector<PoolMember> members = {{"127.0.0.1", 21001, 1}};
  const Continuum continuum = Continuum::build(members);
  EXPECT_EQ(continuum.pointCount(), 160u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(continuum.serverFor(keyNumber(i)), 0u);
}

// An ejected server's keys go to the next servers on the continuum; no other key moves.
TEST(KetamaTest, EjectionMovesOnlyTheEjectedServersKeys) {
  const std::vector<PoolMember> all = {{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 2}, {"127.0.0.1", 21003, 1}};
  const Continuum continuum = Continuum::build(all);
  const std::vector<bool> without_b = {true, false, true};
  std::vector<int> moved_to(3);
  for (int i = 0; i < kKeys; ++i) {
    const uint32_t hash = ketamaKeyHash(keyNumber(i));
    const uint32_t before = continuum.serverForHash(hash);
    const uint32_t after = continuum.serverForHash(hash, without_b);
    if (before != 1) {
      ASSERT_EQ(after, before) << keyNumber(i);
    } else {
      ASSERT_NE(after, 1u);
      ++moved_to[after];
    }
  }
  // The ejected server's keys are shared by the others, not dumped on one.
  EXPECT_GT(moved_to[0], kKeys / 20);
  EXPECT_GT(moved_to[2], kKeys / 20);
}

TEST(KetamaTest, NoLiveServerHasNoPlace) {
  const std::vector<PoolMember> all = {{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 1}};
  const Continuum continuum = Continuum::build(all);
  EXPECT_EQ(continuum.serverForHash(ketamaKeyHash("k"), {false, false}), kNoServer);
  EXPECT_TRUE(Continuum::build({}).empty());
  EXPECT_EQ(Continuum::build({}).serverFor("k"), kNoServer);
}

// 100,000 keys over three equal servers: each within 10% of an even third.
TEST(KetamaTest, KeysSpreadEvenlyOverThreeServers) {
  const std::vector<PoolMember> members = {{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 1}, {"127.0.0.1", 21003, 1}};
  const Continuum continuum = Continuum::build(members);
  std::vector<int> counts(3);
  for (int i = 0; i < kKeys; ++i) ++counts[continuum.serverFor(keyNumber(i))];
  const double even = kKeys / 3.0;
  for (size_t s = 0; s < counts.size(); ++s) {
    SCOPED_TRACE("server " + std::to_string(s) + ": " + std::to_string(counts[s]) + " keys");
    EXPECT_GT(counts[s], even * 0.9);
    EXPECT_LT(counts[s], even * 1.1);
  }
  std::printf("keys per server of 100000: %d %d %d\n", counts[0], counts[1], counts[2]);
}

}  // namespace
}  // namespace vcproxy::pool
