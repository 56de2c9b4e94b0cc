// Pools of three real memcached servers behind vcproxy: keys placed exactly where a libmemcached
// KETAMA_WEIGHTED client of the same servers looks for them, multi-gets across servers in key
// order, a killed server costing only its own keys (refused at once, or rehashed with
// auto_eject_hosts), and service back after a restart.
#include <gtest/gtest.h>
#include <libmemcached/memcached.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kWeights[3] = {1, 2, 1};

// Derives for the binary lookup only: it starts its own three servers and proxy.
class PoolTest : public MemcacheProxyTest {
 protected:
  void SetUp() override {
    if (proxyBinary().empty() || directMode()) {
      GTEST_SKIP() << "needs the vcproxy binary";
    }
    for (auto& server : servers_) server = std::make_unique<MemcachedServer>();
    ring_ = memcached_create(nullptr);
    memcached_behavior_set(ring_, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    for (size_t i = 0; i < servers_.size(); ++i) {
      memcached_server_add_with_weight(ring_, "127.0.0.1", servers_[i]->port(), kWeights[i]);
    }
  }

  void TearDown() override {
    if (proxy_) stopAndReport(*proxy_);
    if (ring_ != nullptr) memcached_free(ring_);
  }

  // One worker, so every connection of the test sees the same failure counts.
  void startProxy(const std::string& extra = "", int timeout_ms = 1000) {
    port_ = freePort();
    std::string yaml = "namespace: it\nworkers: 1\nlisteners:\n  - name: mc\n    protocol: memcache\n";
    yaml += "    listen: 127.0.0.1:" + std::to_string(port_) + "\n    backends:\n";
    for (size_t i = 0; i < servers_.size(); ++i) {
      yaml += "      - \"" + servers_[i]->address() + ":" + std::to_string(kWeights[i]) + "\"\n";
    }
    yaml += "    timeout_ms: " + std::to_string(timeout_ms) + "\n" + extra;
    yaml += "version_store:\n  refresh_interval_ms: 200\n";
    yaml += "caches:\n  - name: users\n    patterns: [\"user:*\"]\n";
    proxy_ = std::make_unique<ProxyProcess>(proxyBinary(), yaml, port_);
    ASSERT_TRUE(proxy_->start());
  }

  // The server (0..2) libmemcached's KETAMA_WEIGHTED places `key` on.
  size_t libmemcachedServer(const std::string& key) const {
    const memcached_instance_st* instance = memcached_server_by_key(ring_, key.data(), key.size(), nullptr);
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (memcached_server_port(instance) == servers_[i]->port()) return i;
    }
    return SIZE_MAX;
  }

  // Where vcproxy stored `original` (versioned or raw), from each server's metadump; SIZE_MAX if nowhere.
  size_t storedOn(const std::string& original, std::string* stored_key = nullptr) {
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (!servers_[i]->running()) continue;
      for (const auto& key : dumpMemcachedKeys(servers_[i]->port()).keys) {
        const auto versioned = parseVersionedKey(key);
        if (key == original || (versioned && versioned->original == original)) {
          EXPECT_EQ(found, SIZE_MAX) << original << " is stored twice";
          found = i;
          if (stored_key != nullptr) *stored_key = key;
        }
      }
    }
    return found;
  }

  // A server that holds none of the version store's keys (so killing it leaves versions readable).
  size_t serverWithoutVersions() const {
    std::set<size_t> holders = {libmemcachedServer("~vc:it:!version:users"), libmemcachedServer("~vc:it:!mode:users")};
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (!holders.contains(i)) return i;
    }
    return SIZE_MAX;
  }

  // Keys `prefix0...` until `count` of them are on `server` according to libmemcached (the versioned
  // form is what gets placed, so this asks vcproxy's admin API for it).
  std::vector<std::string> keysOn(size_t server, size_t count, const std::string& prefix) {
    std::vector<std::string> keys;
    for (int i = 0; keys.size() < count && i < 10000; ++i) {
      const std::string key = prefix + std::to_string(i);
      const auto explained = adminGet(proxy_->adminPort(), "/explain?key=" + key);
      if (libmemcachedServer(jsonString(explained.json, "rewritten")) == server) keys.push_back(key);
    }
    return keys;
  }

  void set(TextClient& client, const std::string& key, const std::string& value) {
    ASSERT_TRUE(client.send("set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n"));
    ASSERT_EQ(client.readLine(), "STORED") << key;
  }

  std::array<std::unique_ptr<MemcachedServer>, 3> servers_;
  memcached_st* ring_ = nullptr;
  uint16_t port_ = 0;
  std::unique_ptr<ProxyProcess> proxy_;  // the base's own stays unused
};

TEST_F(PoolTest, PlacementMatchesLibmemcachedKetamaWeighted) {
  ASSERT_NO_FATAL_FAILURE(startProxy());
  TextClient client(port_);
  std::vector<std::string> keys;
  for (int i = 0; i < 150; ++i) keys.push_back("user:" + std::to_string(i));  // versioned
  for (int i = 0; i < 150; ++i) keys.push_back("raw:" + std::to_string(i));   // passed as they are
  for (const auto& key : keys) ASSERT_NO_FATAL_FAILURE(set(client, key, "v-" + key));

  std::vector<int> per_server(3);
  for (size_t s = 0; s < servers_.size(); ++s) {
    const KeyDump dump = dumpMemcachedKeys(servers_[s]->port());
    ASSERT_TRUE(dump.ok()) << dump.error;
    for (const auto& stored : dump.keys) {
      EXPECT_EQ(libmemcachedServer(stored), s) << stored << " is on server " << s;  // version keys too
      ++per_server[s];
    }
  }
  // Every key is stored once, and libmemcached reads it back by its stored (rewritten) key.
  for (const auto& key : keys) {
    std::string stored;
    ASSERT_NE(storedOn(key, &stored), SIZE_MAX) << key;
    size_t length = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* value = memcached_get(ring_, stored.data(), stored.size(), &length, &flags, &rc);
    ASSERT_EQ(rc, MEMCACHED_SUCCESS) << stored << ": " << memcached_strerror(ring_, rc);
    EXPECT_EQ(std::string(value, length), "v-" + key);
    free(value);
  }
  for (int count : per_server) EXPECT_GT(count, 0);
  std::printf("keys per server (weights 1,2,1): %d %d %d\n", per_server[0], per_server[1], per_server[2]);
}

TEST_F(PoolTest, MultiGetAcrossServersKeepsTheClientsKeyOrder) {
  ASSERT_NO_FATAL_FAILURE(startProxy());
  TextClient client(port_);
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) keys.push_back(i % 2 == 0 ? "user:" + std::to_string(i) : "raw:" + std::to_string(i));
  for (const auto& key : keys) ASSERT_NO_FATAL_FAILURE(set(client, key, "v" + key));
  std::set<size_t> used;
  for (const auto& key : keys) used.insert(storedOn(key));
  ASSERT_GE(used.size(), 2u) << "the keys should span servers";

  // Reversed, with a missing key and a repeated one in the middle.
  std::string request = "get";
  std::string expected;
  std::vector<std::string> asked(keys.rbegin(), keys.rend());
  asked.insert(asked.begin() + 3, "user:missing");
  asked.insert(asked.begin() + 6, keys[4]);
  for (const auto& key : asked) {
    request += " " + key;
    if (key == "user:missing") continue;
    expected += "VALUE " + key + " 0 " + std::to_string(key.size() + 1) + "\r\nv" + key + "\r\n";
  }
  ASSERT_TRUE(client.send(request + "\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), expected + "END\r\n");

  // gets in a pipeline with single-key commands: replies stay in request order.
  ASSERT_TRUE(client.send("gets " + keys[0] + " " + keys[1] + " " + keys[2] + "\r\nget " + keys[3] + "\r\nversion\r\n"));
  const ReadResult gets = client.readUntil("END\r\n");
  ASSERT_TRUE(gets.ok()) << gets.error;
  EXPECT_LT(gets.data.find("VALUE " + keys[0] + " "), gets.data.find("VALUE " + keys[1] + " "));
  EXPECT_LT(gets.data.find("VALUE " + keys[1] + " "), gets.data.find("VALUE " + keys[2] + " "));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE " + keys[3] + " 0 " + std::to_string(keys[3].size() + 1) + "\r\nv" + keys[3] + "\r\nEND\r\n");
  const ReadResult version = client.readLine();
  EXPECT_TRUE(version.data.starts_with("VERSION ")) << version.data;
}

TEST_F(PoolTest, FlushAllReachesEveryServerAndVersionsStay) {
  ASSERT_NO_FATAL_FAILURE(startProxy());
  const std::string version = cacheVersion(proxy_->adminPort(), "users");
  TextClient client(port_);
  for (int i = 0; i < 30; ++i) ASSERT_NO_FATAL_FAILURE(set(client, "raw:" + std::to_string(i), "x"));
  ASSERT_TRUE(client.send("flush_all\r\n"));
  EXPECT_EQ(client.readLine(), "OK");
  ASSERT_TRUE(client.send("verbosity 1\r\n"));
  EXPECT_EQ(client.readLine(), "OK");
  for (int i = 0; i < 30; ++i) EXPECT_EQ(storedOn("raw:" + std::to_string(i)), SIZE_MAX);
  std::this_thread::sleep_for(600ms);  // a few store polls
  EXPECT_EQ(cacheVersion(proxy_->adminPort(), "users"), version) << "the versions were put back on their servers";
}

TEST_F(PoolTest, AdminDeleteGoesToTheKeysServer) {
  ASSERT_NO_FATAL_FAILURE(startProxy());
  TextClient client(port_);
  for (size_t server : {size_t{1}, size_t{2}}) {
    const auto keys = keysOn(server, 1, "user:del" + std::to_string(server) + "-");
    ASSERT_EQ(keys.size(), 1u);
    ASSERT_NO_FATAL_FAILURE(set(client, keys[0], "x"));
    ASSERT_EQ(storedOn(keys[0]), server);
    const AdminReply reply = adminCall(proxy_->adminPort(), "DELETE", "/listeners/mc/keys/" + keys[0]);
    EXPECT_EQ(reply.status, 200) << reply.describe();
    EXPECT_EQ(reply.json.value("deleted", false), true) << reply.describe();
    EXPECT_EQ(storedOn(keys[0]), SIZE_MAX);
  }
}

TEST_F(PoolTest, KilledServerOnlyCostsItsOwnKeysThenComesBack) {
  ASSERT_NO_FATAL_FAILURE(startProxy("", 5000));
  const size_t dead = serverWithoutVersions();
  ASSERT_NE(dead, SIZE_MAX);
  const auto dead_keys = keysOn(dead, 3, "user:d");
  const auto live_keys = keysOn((dead + 1) % 3, 3, "user:l");
  ASSERT_EQ(dead_keys.size(), 3u);
  TextClient client(port_, 2s);  // well under timeout_ms: errors must come at once, not by timeout
  for (const auto& key : dead_keys) ASSERT_NO_FATAL_FAILURE(set(client, key, "d"));
  for (const auto& key : live_keys) ASSERT_NO_FATAL_FAILURE(set(client, key, "l"));

  servers_[dead]->stop();  // SIGKILL
  const std::string dead_error = "SERVER_ERROR backend " + servers_[dead]->address();
  for (int round = 0; round < 3; ++round) {
    for (const auto& key : dead_keys) {
      ASSERT_TRUE(client.send("get " + key + "\r\n"));
      const ReadResult reply = client.readLine();
      ASSERT_TRUE(reply.ok()) << key << ": " << reply.error;
      EXPECT_TRUE(reply.data.starts_with(dead_error)) << reply.data;
    }
    for (const auto& key : live_keys) {
      ASSERT_TRUE(client.send("get " + key + "\r\n"));
      EXPECT_EQ(client.readUntil("END\r\n"), "VALUE " + key + " 0 1\r\nl\r\nEND\r\n");
    }
  }
  // A multi-get over both: the live keys' values, the dead server's keys as misses.
  ASSERT_TRUE(client.send("get " + dead_keys[0] + " " + live_keys[0] + " " + dead_keys[1] + " " + live_keys[1] + "\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE " + live_keys[0] + " 0 1\r\nl\r\nVALUE " + live_keys[1] + " 0 1\r\nl\r\nEND\r\n");

  servers_[dead]->restart();  // same port, empty
  bool back = false;
  for (int attempt = 0; attempt < 100 && !back; ++attempt) {
    ASSERT_TRUE(client.send("set " + dead_keys[0] + " 0 0 1\r\nn\r\n"));
    back = client.readLine() == "STORED";
    if (!back) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(back) << "the restarted server never took keys again";
  EXPECT_EQ(storedOn(dead_keys[0]), dead);
  ASSERT_TRUE(client.send("get " + dead_keys[0] + " " + live_keys[0] + "\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE " + dead_keys[0] + " 0 1\r\nn\r\nVALUE " + live_keys[0] + " 0 1\r\nl\r\nEND\r\n");
}

TEST_F(PoolTest, AutoEjectRehashesTheDeadServersKeysUntilItIsBack) {
  ASSERT_NO_FATAL_FAILURE(startProxy("    auto_eject_hosts: true\n    server_failure_limit: 2\n"
                                     "    server_retry_timeout_ms: 1000\n"));
  const size_t dead = serverWithoutVersions();
  ASSERT_NE(dead, SIZE_MAX);
  const auto dead_keys = keysOn(dead, 60, "user:d");
  const auto live_keys = keysOn((dead + 2) % 3, 2, "user:l");
  ASSERT_EQ(dead_keys.size(), 60u);
  TextClient client(port_);
  for (const auto& key : live_keys) ASSERT_NO_FATAL_FAILURE(set(client, key, "l"));

  servers_[dead]->stop();
  // The first requests may see the failures being counted; then the key goes elsewhere.
  bool rehashed = false;
  for (int attempt = 0; attempt < 100 && !rehashed; ++attempt) {
    ASSERT_TRUE(client.send("set " + dead_keys[0] + " 0 0 1\r\nr\r\n"));
    const ReadResult reply = client.readLine();
    rehashed = reply == "STORED";
    if (!rehashed) {
      EXPECT_TRUE(reply.data.starts_with("SERVER_ERROR backend " + servers_[dead]->address())) << reply.data;
      std::this_thread::sleep_for(50ms);
    }
  }
  ASSERT_TRUE(rehashed) << "the dead server was never ejected";
  const size_t now_on = storedOn(dead_keys[0]);
  EXPECT_NE(now_on, dead);
  EXPECT_NE(now_on, SIZE_MAX);
  ASSERT_TRUE(client.send("get " + dead_keys[0] + " " + live_keys[0] + " " + live_keys[1] + "\r\n"));
  EXPECT_EQ(client.readUntil("END\r\n"), "VALUE " + dead_keys[0] + " 0 1\r\nr\r\nVALUE " + live_keys[0] +
                                             " 0 1\r\nl\r\nVALUE " + live_keys[1] + " 0 1\r\nl\r\nEND\r\n");
  const AdminReply metrics = adminGet(proxy_->adminPort(), "/metrics");
  EXPECT_NE(metrics.body.find("vcproxy_backend_ejected{listener=\"mc\",backend=\"" + servers_[dead]->address() + "\"} 1"),
            std::string::npos) << metrics.body.substr(0, 4000);

  // Back after a restart (and the retry timeout): its keys return to it. A fresh key each time, as
  // a key written while the server was out stays where it was written.
  servers_[dead]->restart();
  bool returned = false;
  for (size_t attempt = 1; attempt < dead_keys.size() && !returned; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(set(client, dead_keys[attempt], "b"));
    returned = storedOn(dead_keys[attempt]) == dead;
    if (!returned) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(returned) << "the restarted server was never readmitted";
}

}  // namespace
}  // namespace vcproxy::test
