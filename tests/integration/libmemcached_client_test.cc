// The real libmemcached C client (ASCII protocol) through vcproxy with pattern "*": every command
// behaves as against memcached, and the backend only ever sees versioned keys.
#include <libmemcached/memcached.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/harness/proxy_test.h"

namespace vcproxy::test {
namespace {

struct Fetched {
  std::string value;
  uint32_t flags = 0;
  uint64_t cas = 0;
};

struct GetResult {
  memcached_return_t rc;
  std::string value;
  uint32_t flags = 0;
};

// Owns one memcached_st pointed at one server, with timeouts so a silent proxy fails fast.
class Client {
 public:
  explicit Client(uint16_t port) : memc_(memcached_create(nullptr)) {
    memcached_server_add(memc_, "127.0.0.1", port);
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1);
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 2000);  // ms
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 3000);     // ms
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, 3000000);   // us
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_SND_TIMEOUT, 3000000);   // us
  }
  ~Client() { memcached_free(memc_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  memcached_st* get() { return memc_; }
  std::string describe(memcached_return_t rc) {
    return std::string(memcached_strerror(memc_, rc)) + " / " + memcached_last_error_message(memc_);
  }

  memcached_return_t set(const std::string& key, const std::string& value, uint32_t flags = 0) {
    return memcached_set(memc_, key.data(), key.size(), value.data(), value.size(), 0, flags);
  }

  // Reads every result of the preceding memcached_mget; a key returned twice or a fetch ending in
  // anything but END fails the test.
  std::map<std::string, Fetched> fetchAll() {
    std::map<std::string, Fetched> fetched;
    // One result struct for the whole fetch: libmemcached only reports END when it counted the hits.
    memcached_result_st result;
    memcached_result_create(memc_, &result);
    memcached_return_t rc = MEMCACHED_SUCCESS;
    while (memcached_fetch_result(memc_, &result, &rc)) {
      std::string key(memcached_result_key_value(&result), memcached_result_key_length(&result));
      Fetched got{std::string(memcached_result_value(&result), memcached_result_length(&result)),
                  memcached_result_flags(&result), memcached_result_cas(&result)};
      EXPECT_TRUE(fetched.emplace(key, got).second) << "key returned twice: " << key;
    }
    EXPECT_EQ(rc, MEMCACHED_END) << describe(rc);
    memcached_result_free(&result);
    return fetched;
  }

  GetResult fetch(const std::string& key) {
    GetResult result;
    size_t length = 0;
    char* value = memcached_get(memc_, key.data(), key.size(), &length, &result.flags, &result.rc);
    if (value) result.value.assign(value, length);
    std::free(value);
    return result;
  }

 private:
  memcached_st* memc_;
};

class LibmemcachedClientTest : public MemcacheProxyTest {
 protected:
  void SetUp() override {
    MemcacheProxyTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
    client_ = std::make_unique<Client>(proxyPort());
  }
  void TearDown() override {
    client_.reset();
    MemcacheProxyTest::TearDown();
  }

  // The keys the test left in the backend must all be stored as ~vc:it:all:<version>:<key>.
  void expectStoredVersioned(std::set<std::string> keys) {
    BackendExpectation expected;
    expected.cache = "all";
    expected.versioned = std::move(keys);
    expectBackendKeys(expected);
  }

  Client& client() { return *client_; }

 private:
  std::unique_ptr<Client> client_;
};

#define EXPECT_RC(expected, rc) EXPECT_EQ(expected, rc) << client().describe(rc)
#define ASSERT_RC(expected, rc) ASSERT_EQ(expected, rc) << client().describe(rc)

TEST_F(LibmemcachedClientTest, SetThenGetReturnsValueAndFlags) {
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:set:1", "hello world", 0xBEEF));
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:set:2", std::string(100000, 'v')));

  GetResult one = client().fetch("lm:set:1");
  EXPECT_RC(MEMCACHED_SUCCESS, one.rc);
  EXPECT_EQ(one.value, "hello world");
  EXPECT_EQ(one.flags, 0xBEEFu);
  GetResult big = client().fetch("lm:set:2");
  EXPECT_RC(MEMCACHED_SUCCESS, big.rc);
  EXPECT_EQ(big.value, std::string(100000, 'v'));
  EXPECT_RC(MEMCACHED_NOTFOUND, client().fetch("lm:set:missing").rc);

  expectStoredVersioned({"lm:set:1", "lm:set:2"});
}

TEST_F(LibmemcachedClientTest, MultiGetReturnsHitsWithOriginalKeysAndSkipsMisses) {
  std::vector<std::string> keys;
  std::map<std::string, std::string> stored;
  for (int i = 0; i < 10; ++i) {
    keys.push_back("lm:mget:" + std::to_string(i));
    if (i % 3 == 2) continue;  // 2, 5, 8 are misses
    stored[keys.back()] = "value-" + std::to_string(i);
    ASSERT_RC(MEMCACHED_SUCCESS, client().set(keys.back(), stored[keys.back()], static_cast<uint32_t>(i)));
  }
  std::vector<const char*> key_ptrs;
  std::vector<size_t> key_lengths;
  for (const auto& key : keys) {
    key_ptrs.push_back(key.c_str());
    key_lengths.push_back(key.size());
  }
  ASSERT_RC(MEMCACHED_SUCCESS, memcached_mget(client().get(), key_ptrs.data(), key_lengths.data(), keys.size()));

  std::map<std::string, Fetched> fetched = client().fetchAll();
  std::map<std::string, std::string> values;
  for (const auto& [key, got] : fetched) {
    EXPECT_EQ(got.flags, std::stoul(key.substr(key.rfind(':') + 1))) << key;
    values[key] = got.value;
  }
  EXPECT_EQ(values, stored);

  std::set<std::string> live;
  for (const auto& [key, value] : stored) live.insert(key);
  expectStoredVersioned(live);
}

TEST_F(LibmemcachedClientTest, CasSucceedsWithFreshTokenAndFailsWithStaleOne) {
  const std::string key = "lm:cas";
  ASSERT_RC(MEMCACHED_SUCCESS, client().set(key, "v1"));

  const char* keys[] = {key.c_str()};
  size_t lengths[] = {key.size()};
  ASSERT_RC(MEMCACHED_SUCCESS, memcached_mget(client().get(), keys, lengths, 1));  // gets: CAS is on
  std::map<std::string, Fetched> fetched = client().fetchAll();
  ASSERT_EQ(fetched.size(), 1u);
  uint64_t token = fetched.begin()->second.cas;
  ASSERT_NE(token, 0u);

  EXPECT_RC(MEMCACHED_SUCCESS, memcached_cas(client().get(), key.data(), key.size(), "v2", 2, 0, 0, token));
  EXPECT_RC(MEMCACHED_DATA_EXISTS, memcached_cas(client().get(), key.data(), key.size(), "v3", 2, 0, 0, token));
  EXPECT_RC(MEMCACHED_NOTFOUND, memcached_cas(client().get(), "lm:cas:none", 11, "v", 1, 0, 0, token));
  EXPECT_EQ(client().fetch(key).value, "v2");

  expectStoredVersioned({key});
}

TEST_F(LibmemcachedClientTest, IncrementAndDecrement) {
  const std::string key = "lm:counter";
  ASSERT_RC(MEMCACHED_SUCCESS, client().set(key, "10"));
  uint64_t value = 0;
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_increment(client().get(), key.data(), key.size(), 5, &value));
  EXPECT_EQ(value, 15u);
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_decrement(client().get(), key.data(), key.size(), 3, &value));
  EXPECT_EQ(value, 12u);
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_decrement(client().get(), key.data(), key.size(), 100, &value));
  EXPECT_EQ(value, 0u) << "memcached clamps decr at 0";
  EXPECT_RC(MEMCACHED_NOTFOUND, memcached_increment(client().get(), "lm:nocounter", 12, 1, &value));

  expectStoredVersioned({key});
}

TEST_F(LibmemcachedClientTest, DeleteRemovesTheKey) {
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:del", "doomed"));
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:keep", "kept"));
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_delete(client().get(), "lm:del", 6, 0));
  EXPECT_RC(MEMCACHED_NOTFOUND, client().fetch("lm:del").rc);
  EXPECT_RC(MEMCACHED_NOTFOUND, memcached_delete(client().get(), "lm:del", 6, 0));
  EXPECT_EQ(client().fetch("lm:keep").value, "kept");

  expectStoredVersioned({"lm:keep"});
}

TEST_F(LibmemcachedClientTest, AddReplaceAppendPrepend) {
  memcached_st* memc = client().get();
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_add(memc, "lm:add", 6, "first", 5, 0, 0));
  EXPECT_RC(MEMCACHED_NOTSTORED, memcached_add(memc, "lm:add", 6, "second", 6, 0, 0));
  EXPECT_EQ(client().fetch("lm:add").value, "first");

  EXPECT_RC(MEMCACHED_NOTSTORED, memcached_replace(memc, "lm:rep", 6, "x", 1, 0, 0));
  EXPECT_RC(MEMCACHED_NOTFOUND, client().fetch("lm:rep").rc);
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:rep", "old"));
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_replace(memc, "lm:rep", 6, "middle", 6, 0, 0));

  EXPECT_RC(MEMCACHED_SUCCESS, memcached_append(memc, "lm:rep", 6, "-tail", 5, 0, 0));
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_prepend(memc, "lm:rep", 6, "head-", 5, 0, 0));
  EXPECT_EQ(client().fetch("lm:rep").value, "head-middle-tail");
  EXPECT_RC(MEMCACHED_NOTSTORED, memcached_append(memc, "lm:none", 7, "x", 1, 0, 0));
  EXPECT_RC(MEMCACHED_NOTSTORED, memcached_prepend(memc, "lm:none", 7, "x", 1, 0, 0));

  expectStoredVersioned({"lm:add", "lm:rep"});
}

TEST_F(LibmemcachedClientTest, TouchChangesExpiryOfTheRightKey) {
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:touch:keep", "a"));
  ASSERT_RC(MEMCACHED_SUCCESS, client().set("lm:touch:expire", "b"));
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_touch(client().get(), "lm:touch:keep", 13, 3600));
  // Over 30 days is an absolute unix time to memcached: this one lies in 1970, so the item expires now.
  const time_t kLongPast = 60 * 60 * 24 * 30 + 1;
  EXPECT_RC(MEMCACHED_SUCCESS, memcached_touch(client().get(), "lm:touch:expire", 15, kLongPast));
  EXPECT_RC(MEMCACHED_NOTFOUND, memcached_touch(client().get(), "lm:touch:none", 13, 3600));

  EXPECT_EQ(client().fetch("lm:touch:keep").value, "a");
  EXPECT_RC(MEMCACHED_NOTFOUND, client().fetch("lm:touch:expire").rc);

  expectStoredVersioned({"lm:touch:keep"});
}

}  // namespace
}  // namespace vcproxy::test
