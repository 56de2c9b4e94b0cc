// vcproxy in front of a real three-master Redis Cluster (cluster: true, one seed node: the rest
// is discovered). Replies equal what the cluster itself answers for the same data; hash tags keep
// their slot through the rewriting; keys spread over every master; invalidation hides keys on
// every node; a resharding under traffic costs no client an error (MOVED and ASK are followed).
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proxy/codec/redis_slot.h"
#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/redis_cluster.h"
#include "tests/integration/harness/redis_cluster_proxy_test.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"

namespace vcproxy::test {
namespace {

using Strings = std::vector<std::string>;

class RedisClusterTest : public RedisClusterProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(startCluster());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }
};

// The same commands with keys k0..k29 through vcproxy (versioned, so spread over all slots and
// split by vcproxy) and with {ref}k0..{ref}k29 straight on the cluster (one slot, no split):
// the replies must be the same bytes.
TEST_F(RedisClusterTest, MultiKeyCommandsAcrossSlotsAnswerLikeTheCluster) {
  RespClient proxy(port_);
  const auto run = [&](bool through_proxy, const Strings& shape) {
    Strings args;
    for (const std::string& arg : shape) {
      const bool key = arg.starts_with("k");
      args.push_back(key && !through_proxy ? "{ref}" + arg : arg);
    }
    return through_proxy ? proxy.call(args) : cluster_->call(args);
  };
  Strings mset = {"MSET"};
  for (int i = 0; i < 30; ++i) {
    mset.push_back("k" + std::to_string(i));
    mset.push_back("v" + std::to_string(i));
  }
  const std::vector<Strings> commands = {
      mset,
      {"MGET", "k0", "k5", "kmissing", "k29", "k3", "k5"},
      {"EXISTS", "k0", "k1", "kmissing", "k0", "k17"},
      {"TOUCH", "k2", "k3", "kmissing", "k11"},
      {"DEL", "k0", "k1", "kmissing", "k12"},
      {"UNLINK", "k2", "kmissing", "k13"},
      {"MGET", "k0", "k1", "k2", "k4", "k12", "k13", "k14"},
      {"SET", "k7", "seven"},
      {"GET", "k7"},
      {"GET", "k0"},
      {"MGET", "k7"},
      {"DEL", "k7"},
      {"EXISTS", "kmissing"},
  };
  for (const Strings& command : commands) {
    const RespReply expected = run(false, command);
    const RespReply got = run(true, command);
    ASSERT_TRUE(expected.ok()) << expected.describe();
    ASSERT_TRUE(got.ok()) << got.describe();
    EXPECT_EQ(visibleBytes(got.raw), visibleBytes(expected.raw)) << command[0] << " " << command[1];
  }
  // The proxy's keys are versioned and live on every master (30 keys: P(one master has none) ~ 1e-5).
  for (size_t i = 0; i < cluster_->size(); ++i) {
    size_t versioned = 0;
    for (const std::string& key : keysOn(i)) {
      if (key.starts_with("{ref}")) continue;
      EXPECT_TRUE(key.starts_with("~vc:it:rest:")) << key;
      ++versioned;
    }
    EXPECT_GT(versioned, 0u) << "no key on master " << i;
  }
}

TEST_F(RedisClusterTest, CommandsOverSeveralSlotsGetCrossSlotLikeRedis) {
  RespClient proxy(port_);
  const RespReply expected = cluster_->call({"SUNIONSTORE", "a", "b", "c"});
  ASSERT_TRUE(expected.value.isError()) << expected.describe();
  EXPECT_EQ(proxy.call({"SUNIONSTORE", "a", "b", "c"}).raw, expected.raw);
  EXPECT_EQ(proxy.call({"MSETNX", "a", "1", "b", "2"}).raw, cluster_->call({"MSETNX", "a", "1", "b", "2"}).raw);
  // One tag, one slot: fine.
  EXPECT_EQ(proxy.call({"SADD", "{user42}:a", "x", "y"}).describe(), "(integer) 2");
  EXPECT_EQ(proxy.call({"SADD", "{user42}:b", "y", "z"}).describe(), "(integer) 2");
  EXPECT_EQ(proxy.call({"SUNIONSTORE", "{user42}:d", "{user42}:a", "{user42}:b"}).describe(), "(integer) 3");
  EXPECT_EQ(proxy.call({"EVAL", "return redis.call('SCARD', KEYS[1])", "1", "{user42}:d"}).describe(), "(integer) 3");
  EXPECT_EQ(proxy.call({"EVAL", "return 1", "2", "{user42}:d", "other"}).raw,
            "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  // Keyless commands reach a node; commands that cannot work through a sidecar are refused.
  EXPECT_EQ(proxy.call({"PING"}).describe(), "PONG");
  for (const Strings& refused : std::vector<Strings>{{"KEYS", "*"}, {"FLUSHALL"}, {"WATCH", "x"}, {"BLPOP", "l", "1"}}) {
    const RespReply reply = proxy.call(refused);
    EXPECT_TRUE(reply.value.isError()) << reply.describe();
    EXPECT_NE(reply.value.text.find("not supported through vcproxy on a Redis Cluster listener"), std::string::npos)
        << reply.describe();
  }
}

// MULTI/EXEC is queued by vcproxy and sent whole to the master of its slot; keys of several slots
// get CROSSSLOT while queueing and EXEC aborts, as on Redis Cluster.
TEST_F(RedisClusterTest, TransactionsRunOnTheMasterOfTheirSlot) {
  RespClient proxy(port_);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(proxy.call({"MULTI"}).describe(), "OK");
    EXPECT_EQ(proxy.call({"SET", "{cart7}:a", "x"}).describe(), "QUEUED");
    EXPECT_EQ(proxy.call({"INCR", "{cart7}:n"}).describe(), "QUEUED");
    EXPECT_EQ(proxy.call({"PING"}).describe(), "QUEUED");
    EXPECT_EQ(proxy.call({"MGET", "{cart7}:a", "{cart7}:b"}).describe(), "QUEUED");
    EXPECT_EQ(proxy.call({"EXEC"}).describe(),
              "[OK, (integer) " + std::to_string(round + 1) + ", PONG, [\"x\", (nil)]]");
  }
  const uint16_t slot = codec::redisKeySlot("cart7");
  const size_t owner = cluster_->ownerOf(slot);
  ASSERT_LT(owner, cluster_->size());
  RespClient node(cluster_->node(owner).port());
  EXPECT_EQ(node.call({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).describe(), "(integer) 2");
  EXPECT_EQ(proxy.call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(proxy.call({"SET", "{a}x", "1"}).describe(), "QUEUED");
  EXPECT_EQ(proxy.call({"SET", "{b}x", "1"}).raw, "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  EXPECT_EQ(proxy.call({"EXEC"}).raw, "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(proxy.call({"GET", "{a}x"}).describe(), "(nil)");
  EXPECT_EQ(proxy.call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(proxy.call({"SET", "{a}x", "1"}).describe(), "QUEUED");
  EXPECT_EQ(proxy.call({"DISCARD"}).describe(), "OK");
  EXPECT_EQ(proxy.call({"EXEC"}).raw, "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(proxy.call({"GET", "{a}x"}).describe(), "(nil)");
}

// {user42}:a and {user42}:b, versioned, sit in the slot of "user42", as the cluster computes it.
TEST_F(RedisClusterTest, HashTaggedKeysLandInTheTagSlot) {
  RespClient proxy(port_);
  ASSERT_EQ(proxy.call({"SET", "{user42}:a", "1"}).describe(), "OK");
  ASSERT_EQ(proxy.call({"SET", "{user42}:b", "2"}).describe(), "OK");
  EXPECT_EQ(proxy.call({"MGET", "{user42}:a", "{user42}:b"}).describe(), "[\"1\", \"2\"]");
  const std::string tag_slot = cluster_->call({"CLUSTER", "KEYSLOT", "user42"}).value.text;
  ASSERT_EQ(tag_slot, std::to_string(codec::redisKeySlot("user42")));
  const size_t owner = cluster_->ownerOf(static_cast<uint16_t>(std::stoi(tag_slot)));
  ASSERT_LT(owner, cluster_->size());
  Strings stored = keysOn(owner);
  ASSERT_EQ(stored.size(), 2u);
  for (const std::string& key : stored) {
    EXPECT_TRUE(key.starts_with("~vc:it:users:")) << key;
    EXPECT_EQ(cluster_->call({"CLUSTER", "KEYSLOT", key}).value.text, tag_slot) << key;
  }
}

// 30,000 untagged keys through vcproxy (MSETs of 100 keys, split by slot): each master holds a
// third of them, within 10%.
TEST_F(RedisClusterTest, KeysSpreadOverEveryMaster) {
  RespClient proxy(port_, std::chrono::milliseconds(20000));
  constexpr int kKeys = 30000;
  for (int batch = 0; batch < kKeys / 100; ++batch) {
    Strings mset = {"MSET"};
    for (int i = batch * 100; i < (batch + 1) * 100; ++i) {
      mset.push_back("key:" + std::to_string(i));
      mset.push_back(std::to_string(i));
    }
    ASSERT_EQ(proxy.call(mset).describe(), "OK");
  }
  EXPECT_EQ(proxy.call({"MGET", "key:0", "key:12345", "key:29999"}).describe(), "[\"0\", \"12345\", \"29999\"]");
  int64_t total = 0;
  for (size_t i = 0; i < cluster_->size(); ++i) {
    RespClient node(cluster_->node(i).port());
    const int64_t count = std::stoll(node.call({"DBSIZE"}).value.text);
    std::cout << "master " << i << ": " << count << " keys\n";
    EXPECT_GT(count, kKeys / 3 * 9 / 10);
    EXPECT_LT(count, kKeys / 3 * 11 / 10);
    total += count;
  }
  EXPECT_EQ(total, kKeys);
}

TEST_F(RedisClusterTest, InvalidationHidesKeysOnEveryNode) {
  RespClient proxy(port_);
  Strings mset = {"MSET"};
  Strings users = {"MGET"};
  for (int i = 0; i < 60; ++i) {
    mset.insert(mset.end(), {"user:" + std::to_string(i), "u"});
    users.push_back("user:" + std::to_string(i));
  }
  mset.insert(mset.end(), {"other:1", "o"});
  ASSERT_EQ(proxy.call(mset).describe(), "OK");
  ASSERT_EQ(proxy.call({"EXISTS", "user:0", "user:1", "user:59"}).describe(), "(integer) 3");
  const AdminReply invalidated = adminCall(proxy_->adminPort(), "POST", "/caches/users/invalidate");
  ASSERT_EQ(invalidated.status, 200) << invalidated.describe();
  const RespReply after = proxy.call(users);
  ASSERT_EQ(after.value.items.size(), 60u) << after.describe();
  for (const RespValue& value : after.value.items) EXPECT_TRUE(value.isNil()) << after.describe();
  EXPECT_EQ(proxy.call({"EXISTS", "user:0", "user:1", "user:59"}).describe(), "(integer) 0");
  EXPECT_EQ(proxy.call({"GET", "other:1"}).describe(), "\"o\"");
  // DELETE through the admin API finds the key's master too (the seed answers MOVED for most).
  for (int i = 0; i < 20; ++i) ASSERT_EQ(proxy.call({"SET", "other:" + std::to_string(i), "o"}).describe(), "OK");
  for (int i = 0; i < 20; ++i) {
    const AdminReply deleted = adminCall(proxy_->adminPort(), "DELETE", "/listeners/redis/keys/other%3A" + std::to_string(i));
    EXPECT_EQ(deleted.status, 200) << deleted.describe();
    EXPECT_EQ(deleted.json.value("deleted", false), true) << deleted.describe();
  }
  EXPECT_EQ(proxy.call({"EXISTS", "other:0", "other:1", "other:19"}).describe(), "(integer) 0");
}

// Four clients SET/GET/MGET keys whose slots are among the first 100 of master 0 while
// redis-cli moves 100 slots from master 0 to master 1: not one error or wrong value.
TEST_F(RedisClusterTest, ReshardingDuringTrafficCostsNoErrors) {
  Strings tags;  // tags in slots 0..99: the slots redis-cli --cluster reshard takes first
  for (int i = 0; tags.size() < 64; ++i) {
    const std::string tag = "t" + std::to_string(i);
    if (codec::redisKeySlot(tag) < 100) tags.push_back(tag);
  }
  ASSERT_EQ(cluster_->ownerOf(codec::redisKeySlot(tags[0])), 0u);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> operations{0};
  std::atomic<int64_t> errors{0};
  std::vector<std::string> first_errors(4);
  std::vector<std::thread> clients;
  for (size_t c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      RespClient proxy(port_);
      for (int64_t round = 0; !stop || round < 2; ++round) {
        for (size_t t = c; t < tags.size(); t += 4) {
          const std::string key = "{" + tags[t] + "}:k";
          const std::string other = "{" + tags[(t + 1) % tags.size()] + "}:k";
          const std::string value = std::to_string(round);
          const RespReply set = proxy.call({"SET", key, value});
          const RespReply get = proxy.call({"GET", key});
          const RespReply mget = proxy.call({"MGET", key, other, key});
          proxy.call({"MULTI"});
          proxy.call({"SET", key + "2", value});
          proxy.call({"GET", key});
          const RespReply exec = proxy.call({"EXEC"});
          operations += 5;
          const bool ok = set.describe() == "OK" && get.describe() == "\"" + value + "\"" &&
                          mget.value.items.size() == 3 && !mget.value.isError() &&
                          mget.value.items[0].text == value && mget.value.items[2].text == value &&
                          exec.describe() == "[OK, \"" + value + "\"]";
          if (!ok) {
            ++errors;
            if (first_errors[c].empty()) {
              first_errors[c] = set.describe() + " / " + get.describe() + " / " + mget.describe() + " / " +
                                exec.describe();
            }
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string output;
  const bool resharded = cluster_->reshard(0, 1, 100, output);
  const std::string consistent = cluster_->waitUntilConsistent();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& client : clients) client.join();
  ASSERT_TRUE(resharded) << output;
  ASSERT_EQ(consistent, "");
  size_t moved = 0;
  for (const std::string& tag : tags) moved += cluster_->ownerOf(codec::redisKeySlot(tag)) == 1 ? 1 : 0;
  std::cout << operations << " operations, " << errors << " errors; " << moved << " of " << tags.size()
            << " tags moved to master 1\n";
  EXPECT_GT(moved, 0u) << "the resharding moved none of the slots in use:\n" << output;
  EXPECT_EQ(errors, 0);
  for (const std::string& error : first_errors) EXPECT_EQ(error, "");
  EXPECT_GT(operations, 0);
}

}  // namespace
}  // namespace vcproxy::test
