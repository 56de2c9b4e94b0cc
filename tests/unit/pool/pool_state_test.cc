#include "proxy/pool/pool_state.h"

#include <gtest/gtest.h>

#include <string>

namespace vcproxy::pool {
namespace {

const std::vector<PoolMember> kThree = {{"127.0.0.1", 21001, 1}, {"127.0.0.1", 21002, 1}, {"127.0.0.1", 21003, 1}};

// A key that the full continuum puts on `server`.
std::string keyOn(uint32_t server) {
  const Continuum continuum = Continuum::build(kThree);
  for (int i = 0;; ++i) {
    std::string key = "k" + std::to_string(i);
    if (continuum.serverFor(key) == server) return key;
  }
}

TEST(PoolStateTest, WithoutEjectionADownServerKeepsItsKeys) {
  PoolState pool(kThree, {.failure_limit = 2, .auto_eject = false, .retry_timeout_ms = 1000});
  const std::string key = keyOn(1);
  pool.onFailure(1, 0);
  EXPECT_FALSE(pool.down(1));
  pool.onFailure(1, 10);
  EXPECT_TRUE(pool.down(1));
  EXPECT_FALSE(pool.ejected(1));
  EXPECT_EQ(pool.serverFor(key, 20), 1u);  // the caller refuses it at once
  pool.onConnected(1, 30);
  EXPECT_TRUE(pool.down(1));  // connected again, but only a reply shows it answers
  pool.onReply(1);
  EXPECT_FALSE(pool.down(1));
}

TEST(PoolStateTest, AReplyResetsTheCount) {
  PoolState pool(kThree, {.failure_limit = 2, .auto_eject = true, .retry_timeout_ms = 1000});
  pool.onFailure(0, 0);
  pool.onReply(0);
  pool.onFailure(0, 5);
  EXPECT_FALSE(pool.ejected(0));
  pool.onFailure(0, 6);
  EXPECT_TRUE(pool.ejected(0));
}

TEST(PoolStateTest, EjectedServersKeysAreRehashedUntilItIsBackAndTheRetryTimeHasPassed) {
  PoolState pool(kThree, {.failure_limit = 2, .auto_eject = true, .retry_timeout_ms = 1000});
  const std::string key = keyOn(2);
  const std::string other = keyOn(0);
  pool.onFailure(2, 100);
  pool.onFailure(2, 110);
  ASSERT_TRUE(pool.ejected(2));
  EXPECT_EQ(pool.ejections(), 1u);
  EXPECT_NE(pool.serverFor(key, 120), 2u);
  EXPECT_EQ(pool.serverFor(other, 120), 0u);  // keys of live servers stay
  // Probes keep failing meanwhile.
  pool.onFailure(2, 600);
  EXPECT_NE(pool.serverFor(key, 1000), 2u);
  // Connected again before the retry time: still out until it has passed.
  pool.onConnected(2, 1050);
  EXPECT_NE(pool.serverFor(key, 1100), 2u);
  EXPECT_EQ(pool.serverFor(key, 1110), 2u);
  EXPECT_FALSE(pool.ejected(2));
}

TEST(PoolStateTest, ReadmittedOnTheFirstConnectAfterTheRetryTime) {
  PoolState pool(kThree, {.failure_limit = 1, .auto_eject = true, .retry_timeout_ms = 500});
  const std::string key = keyOn(1);
  pool.onFailure(1, 0);
  ASSERT_TRUE(pool.ejected(1));
  EXPECT_NE(pool.serverFor(key, 600), 1u);  // retry time passed, but nothing connected yet
  pool.onConnected(1, 700);
  EXPECT_EQ(pool.serverFor(key, 700), 1u);
}

TEST(PoolStateTest, EveryServerEjectedLeavesNoServer) {
  PoolState pool({{"127.0.0.1", 21001, 1}}, {.failure_limit = 1, .auto_eject = true, .retry_timeout_ms = 500});
  EXPECT_EQ(pool.serverFor("k", 0), 0u);
  pool.onFailure(0, 0);
  EXPECT_EQ(pool.serverFor("k", 1), kNoServer);
}

}  // namespace
}  // namespace vcproxy::pool
