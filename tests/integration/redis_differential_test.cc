// Differential test of the Redis data path: the real hiredis library sends the same script of
// commands to vcproxy (in front of Redis R1, one cache with pattern "*", so every key is
// versioned) and straight to a second, fresh Redis R2; every reply must be the same (type and
// value, recursively; sorted where Redis itself gives no order). Afterwards R1 must hold no
// unversioned key: only ~vc:it:all:<version>:<key> and the version store's ~vc:it:!... keys.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {
namespace {

using Clock = std::chrono::steady_clock;
using Args = std::vector<std::string>;

struct ContextFree {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Context connectTo(uint16_t port) {
  timeval timeout{5, 0};
  Context context(redisConnectWithTimeout("127.0.0.1", port, timeout));
  if (context && !context->err) redisSetTimeout(context.get(), timeout);
  return context;
}

// How two replies are compared.
enum class Compare {
  kExact,        // type and value, recursively, in order
  kSorted,       // the top-level elements in any order (SMEMBERS, SINTER, KEYS...)
  kSortSecond,   // element 1's elements in any order (SSCAN/ZSCAN/HSCAN pages)
  kTypeOnly,     // only the shape (a value that legitimately differs, e.g. an id)
};

std::string quote(const char* data, size_t size) { return "\"" + visibleBytes(std::string_view(data, size), 512) + "\""; }

std::string canonical(const redisReply* reply, Compare compare = Compare::kExact, int depth = 0) {
  if (reply == nullptr) return "<null reply>";
  switch (reply->type) {
    case REDIS_REPLY_STRING: return compare == Compare::kTypeOnly ? "string" : quote(reply->str, reply->len);
    case REDIS_REPLY_STATUS: return "+" + std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR: return "-" + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return compare == Compare::kTypeOnly ? "integer" : ":" + std::to_string(reply->integer);
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> items;
      for (size_t i = 0; i < reply->elements; ++i) {
        const bool sort_inner = compare == Compare::kSortSecond && depth == 0 && i == 1;
        items.push_back(canonical(reply->element[i], sort_inner ? Compare::kSorted : compare == Compare::kTypeOnly
                                                                                            ? Compare::kTypeOnly
                                                                                            : Compare::kExact,
                                  depth + 1));
      }
      if (compare == Compare::kSorted) std::sort(items.begin(), items.end());
      std::string out = "[";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
      return out + "]";
    }
    default: return "<reply type " + std::to_string(reply->type) + ">";
  }
}

std::string describeArgs(const Args& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : " ") + visibleBytes(arg, 200);
  return out;
}

Reply run(redisContext* context, const Args& args, std::string& error) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) error = std::string("hiredis error ") + std::to_string(context->err) + ": " + context->errstr;
  return reply;
}

class RedisDifferentialTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    direct_ = std::make_unique<RedisServer>();
    ASSERT_NO_FATAL_FAILURE(startProxy());
    for (int i = 0; i < 2; ++i) {
      proxied_[i] = connectTo(proxyPort());
      direct_conn_[i] = connectTo(direct_->port());
      ASSERT_TRUE(proxied_[i] && !proxied_[i]->err) << "hiredis cannot connect to vcproxy: "
                                                    << (proxied_[i] ? proxied_[i]->errstr : "oom");
      ASSERT_TRUE(direct_conn_[i] && !direct_conn_[i]->err) << "hiredis cannot connect to Redis R2";
    }
  }

  void TearDown() override {
    for (auto& context : proxied_) context.reset();
    for (auto& context : direct_conn_) context.reset();
    RedisProxyTest::TearDown();
  }

  // Sends `args` on connection `conn` of both sides and compares the replies. Returns the
  // canonical proxied reply. A proxied reply must never show a reserved-prefix key.
  std::string same(const Args& args, Compare compare = Compare::kExact, int conn = 0) {
    std::string proxy_error, direct_error;
    Reply via_proxy = run(proxied_[conn].get(), args, proxy_error);
    Reply via_direct = run(direct_conn_[conn].get(), args, direct_error);
    const std::string got = via_proxy ? canonical(via_proxy.get(), compare) : "<" + proxy_error + ">";
    const std::string want = via_direct ? canonical(via_direct.get(), compare) : "<" + direct_error + ">";
    EXPECT_EQ(got, want) << "command (connection " << conn << "): " << describeArgs(args)
                         << "\n  expected (direct Redis): " << want << "\n  actual (through vcproxy): " << got;
    if (via_proxy && via_direct) {
      EXPECT_EQ(got.find("~vc:"), std::string::npos)
          << "reply through vcproxy shows a versioned key: " << describeArgs(args) << " -> " << got;
    }
    if (!via_proxy) reconnect(conn);
    return got;
  }

  // The raw string reply of `args` on both sides (for values passed on, e.g. DUMP payloads).
  std::pair<std::string, std::string> strings(const Args& args) {
    std::string error;
    Reply a = run(proxied_[0].get(), args, error);
    Reply b = run(direct_conn_[0].get(), args, error);
    auto text = [](const Reply& reply) {
      return reply && reply->type == REDIS_REPLY_STRING ? std::string(reply->str, reply->len) : std::string();
    };
    return {text(a), text(b)};
  }

  // SCAN (with `extra` options) to cursor 0 through connection 0 of one side: the sorted keys.
  static std::vector<std::string> scanAll(redisContext* context, const Args& extra, std::string& error) {
    std::set<std::string> keys;
    std::string cursor = "0";
    for (int round = 0; round < 10000; ++round) {
      Args args{"SCAN", cursor};
      args.insert(args.end(), extra.begin(), extra.end());
      Reply reply = run(context, args, error);
      if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
          reply->element[1]->type != REDIS_REPLY_ARRAY) {
        error = "bad SCAN reply: " + (reply ? canonical(reply.get()) : error);
        return {};
      }
      cursor.assign(reply->element[0]->str, reply->element[0]->len);
      for (size_t i = 0; i < reply->element[1]->elements; ++i) {
        const redisReply* key = reply->element[1]->element[i];
        keys.emplace(key->str, key->len);
      }
      if (cursor == "0") return {keys.begin(), keys.end()};
    }
    error = "SCAN did not reach cursor 0 in 10000 rounds";
    return {};
  }

  void sameScan(const Args& extra) {
    std::string proxy_error, direct_error;
    const auto got = scanAll(proxied_[0].get(), extra, proxy_error);
    const auto want = scanAll(direct_conn_[0].get(), extra, direct_error);
    EXPECT_EQ(proxy_error, "") << "SCAN through vcproxy " << describeArgs(extra);
    ASSERT_EQ(direct_error, "") << "SCAN on Redis R2 " << describeArgs(extra);
    EXPECT_EQ(got, want) << "SCAN <cursor> " << describeArgs(extra) << " to cursor 0 (sorted keys)";
  }

  // Sends without waiting for the reply (a blocking command), on both sides.
  void sendOnly(const Args& args, int conn) {
    for (redisContext* context : {proxied_[conn].get(), direct_conn_[conn].get()}) {
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
      }
      ASSERT_EQ(redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()), REDIS_OK);
      int done = 0;
      while (!done) ASSERT_EQ(redisBufferWrite(context, &done), REDIS_OK);
    }
  }

  // Reads the reply to what sendOnly() sent, on both sides, and compares.
  void sameReplyPending(const std::string& what, int conn) {
    void* raw_proxy = nullptr;
    void* raw_direct = nullptr;
    const int proxy_status = redisGetReply(proxied_[conn].get(), &raw_proxy);
    const int direct_status = redisGetReply(direct_conn_[conn].get(), &raw_direct);
    Reply via_proxy(static_cast<redisReply*>(raw_proxy));
    Reply via_direct(static_cast<redisReply*>(raw_direct));
    ASSERT_EQ(direct_status, REDIS_OK);
    EXPECT_EQ(proxy_status, REDIS_OK) << what << ": " << proxied_[conn]->errstr;
    EXPECT_EQ(canonical(via_proxy.get()), canonical(via_direct.get())) << what;
  }

  void reconnect(int conn) {
    proxied_[conn] = connectTo(proxyPort());
    direct_conn_[conn] = connectTo(direct_->port());
  }

  // The proxied side must not have stored anything unversioned; checked at the end of each test.
  void finish() { expectNoUnversionedKeys({"all"}); }

  std::unique_ptr<RedisServer> direct_;
  Context proxied_[2];
  Context direct_conn_[2];
};

TEST_F(RedisDifferentialTest, Strings) {
  same({"SET", "s1", "hello"});
  same({"GET", "s1"});
  same({"SET", "s1", "x", "NX"});
  same({"SET", "s1", "world", "XX", "GET"});
  same({"GET", "s1"});
  same({"SETNX", "sn", "1"});
  same({"GETSET", "sn", "2"});
  same({"INCR", "n"});
  same({"INCRBY", "n", "10"});
  same({"DECR", "n"});
  same({"DECRBY", "n", "3"});
  same({"INCRBYFLOAT", "f", "1.5"});
  same({"INCR", "s1"});  // an error
  same({"APPEND", "s1", "!!"});
  same({"APPEND", "new", "abc"});
  same({"GETRANGE", "s1", "0", "3"});
  same({"SETRANGE", "s1", "1", "AB"});
  same({"GETRANGE", "s1", "0", "-1"});
  same({"STRLEN", "s1"});
  same({"STRLEN", "nokey"});
  same({"SETEX", "se", "100", "v"});
  same({"TTL", "se"});
  same({"PSETEX", "pse", "100000", "v"});
  same({"TTL", "pse"});
  same({"GETDEL", "s1"});
  same({"GET", "s1"});
  same({"GETDEL", "s1"});
  same({"MSET", "m1", "a", "m2", "b", "m3", "c"});
  same({"MGET", "m1", "m2", "nokey", "m3"});
  same({"MSETNX", "m1", "z", "m4", "d"});
  same({"MSETNX", "m5", "e", "m6", "f"});
  same({"MGET", "m4", "m5", "m6", "m1"});
  same({"GETEX", "m5", "EX", "100"});
  same({"TTL", "m5"});
  same({"SET", "l1", "ohmytext"});
  same({"SET", "l2", "mynewtext"});
  same({"LCS", "l1", "l2"});
  same({"LCS", "l1", "l2", "LEN"});
  same({"SET", "bin", std::string("a\0b\r\nc", 6)});
  same({"GET", "bin"});
  same({"HSET", "wt", "f", "v"});
  same({"GET", "wt"});  // WRONGTYPE
  finish();
}

TEST_F(RedisDifferentialTest, Expiry) {
  same({"SET", "e1", "v"});
  same({"EXPIRE", "e1", "100"});
  same({"TTL", "e1"});
  same({"EXPIRE", "e1", "200", "NX"});
  same({"PERSIST", "e1"});
  same({"TTL", "e1"});
  same({"PERSIST", "e1"});
  same({"PEXPIRE", "e1", "100000"});
  same({"TTL", "e1"});
  same({"EXPIREAT", "e1", "4102444800"});
  same({"EXPIRETIME", "e1"});
  same({"PEXPIREAT", "e1", "4102444800123"});
  same({"PEXPIRETIME", "e1"});
  same({"TTL", "nokey"});
  same({"SET", "e2", "v"});
  same({"TTL", "e2"});
  same({"SET", "e3", "v", "PX", "50"});
  same({"EXPIRE", "nokey", "10"});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  same({"GET", "e3"});
  same({"EXISTS", "e3"});
  finish();
}

TEST_F(RedisDifferentialTest, Hashes) {
  same({"HSET", "h", "f1", "v1", "f2", "v2"});
  same({"HGET", "h", "f1"});
  same({"HGET", "h", "nof"});
  same({"HGETALL", "h"});
  same({"HMGET", "h", "f1", "nof", "f2"});
  same({"HMSET", "h", "f3", "v3"});
  same({"HINCRBY", "h", "n", "5"});
  same({"HINCRBY", "h", "n", "-2"});
  same({"HINCRBYFLOAT", "h", "fl", "2.5"});
  same({"HSETNX", "h", "f1", "no"});
  same({"HEXISTS", "h", "f2"});
  same({"HSTRLEN", "h", "f2"});
  same({"HDEL", "h", "f1", "nof"});
  same({"HLEN", "h"});
  same({"HKEYS", "h"});
  same({"HVALS", "h"});
  same({"HGETALL", "h"});
  same({"HSCAN", "h", "0", "MATCH", "f*", "COUNT", "100"}, Compare::kSortSecond);
  same({"HSCAN", "h", "0"}, Compare::kSortSecond);
  same({"HGETALL", "nokey"});
  finish();
}

TEST_F(RedisDifferentialTest, Lists) {
  same({"RPUSH", "L", "a", "b", "c"});
  same({"LPUSH", "L", "z"});
  same({"LRANGE", "L", "0", "-1"});
  same({"LPOP", "L"});
  same({"RPUSH", "L", "d", "e"});
  same({"LPOP", "L", "2"});
  same({"RPOPLPUSH", "L", "L2"});
  same({"LMOVE", "L", "L2", "LEFT", "RIGHT"});
  same({"LRANGE", "L", "0", "-1"});
  same({"LRANGE", "L2", "0", "-1"});
  same({"LINDEX", "L2", "1"});
  same({"LLEN", "L2"});
  same({"LINSERT", "L2", "BEFORE", "c", "x"});
  same({"LSET", "L2", "0", "y"});
  same({"LPOS", "L2", "c"});
  same({"LREM", "L2", "1", "x"});
  same({"RPUSHX", "nokey", "a"});
  same({"LPUSHX", "L2", "w"});
  same({"LMPOP", "2", "nokey", "L2", "LEFT", "COUNT", "2"});
  same({"LMPOP", "1", "nokey", "RIGHT"});
  same({"RPUSH", "L3", "1", "2", "3", "4"});
  same({"LTRIM", "L3", "1", "2"});
  same({"LMPOP", "2", "L3", "L2", "RIGHT"});
  same({"RPOP", "L3"});
  same({"LRANGE", "L3", "0", "-1"});
  finish();
}

TEST_F(RedisDifferentialTest, Sets) {
  same({"SADD", "S1", "a", "b", "c", "d"});
  same({"SADD", "S2", "c", "d", "e"});
  same({"SADD", "SI", "3", "1", "2"});
  same({"SMEMBERS", "S1"}, Compare::kSorted);
  same({"SMEMBERS", "SI"}, Compare::kSorted);
  same({"SCARD", "S1"});
  same({"SISMEMBER", "S1", "a"});
  same({"SMISMEMBER", "S1", "a", "z", "c"});
  same({"SINTER", "S1", "S2"}, Compare::kSorted);
  same({"SUNION", "S1", "S2"}, Compare::kSorted);
  same({"SDIFF", "S1", "S2"}, Compare::kSorted);
  same({"SINTERCARD", "2", "S1", "S2"});
  same({"SUNIONSTORE", "S3", "S1", "S2"});
  same({"SMEMBERS", "S3"}, Compare::kSorted);
  same({"SINTERSTORE", "S4", "S1", "S2"});
  same({"SDIFFSTORE", "S5", "S1", "S2"});
  same({"SMEMBERS", "S5"}, Compare::kSorted);
  same({"SMOVE", "S1", "S2", "a"});
  same({"SMOVE", "S1", "S2", "zz"});
  same({"SISMEMBER", "S2", "a"});
  same({"SREM", "S2", "a", "zz"});
  same({"SMEMBERS", "S2"}, Compare::kSorted);
  same({"SSCAN", "S3", "0", "COUNT", "100"}, Compare::kSortSecond);
  finish();
}

TEST_F(RedisDifferentialTest, SortedSets) {
  same({"ZADD", "Z", "1", "a", "2", "b", "3", "c"});
  same({"ZRANGE", "Z", "0", "-1", "WITHSCORES"});
  same({"ZINCRBY", "Z", "5", "a"});
  same({"ZSCORE", "Z", "a"});
  same({"ZMSCORE", "Z", "a", "nom"});
  same({"ZRANK", "Z", "a"});
  same({"ZRANGEBYSCORE", "Z", "2", "+inf"});
  same({"ZRANGE", "Z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "2"});
  same({"ZREVRANGE", "Z", "0", "-1"});
  same({"ZADD", "Z2", "10", "a", "20", "d"});
  same({"ZUNIONSTORE", "ZU", "2", "Z", "Z2", "WEIGHTS", "1", "2"});
  same({"ZRANGE", "ZU", "0", "-1", "WITHSCORES"});
  same({"ZINTER", "2", "Z", "Z2", "WITHSCORES"});
  same({"ZINTERSTORE", "ZI", "2", "Z", "Z2", "AGGREGATE", "MAX"});
  same({"ZRANGE", "ZI", "0", "-1", "WITHSCORES"});
  same({"ZDIFF", "2", "Z", "Z2"});
  same({"ZUNION", "2", "Z", "Z2", "WITHSCORES"});
  same({"ZRANGESTORE", "ZR", "Z", "0", "1"});
  same({"ZRANGE", "ZR", "0", "-1"});
  same({"ZCARD", "Z"});
  same({"ZCOUNT", "Z", "-inf", "+inf"});
  same({"ZMPOP", "2", "nokey", "Z", "MIN", "COUNT", "2"});
  same({"ZMPOP", "1", "nokey", "MAX"});
  same({"ZPOPMIN", "ZU"});
  same({"BZPOPMIN", "nokey", "Z", "1"});
  same({"BZPOPMAX", "ZU", "1"});
  same({"BZMPOP", "1", "2", "nokey", "ZU", "MAX", "COUNT", "2"});
  same({"ZREM", "Z2", "a"});
  same({"ZSCAN", "Z2", "0"}, Compare::kSortSecond);
  finish();
}

TEST_F(RedisDifferentialTest, Streams) {
  same({"XADD", "X", "1-1", "f", "v"});
  same({"XADD", "X", "2-1", "a", "b", "c", "d"});
  same({"XADD", "X2", "1-1", "g", "h"});
  same({"XLEN", "X"});
  same({"XRANGE", "X", "-", "+"});
  same({"XREVRANGE", "X", "+", "-", "COUNT", "1"});
  same({"XREAD", "COUNT", "10", "STREAMS", "X", "0"});
  same({"XREAD", "STREAMS", "X", "X2", "0", "0"});
  same({"XREAD", "STREAMS", "X", "X2", "1-1", "5-0"});
  same({"XGROUP", "CREATE", "X", "g", "0"});
  same({"XGROUP", "CREATE", "X2", "g2", "$", "MKSTREAM"});
  same({"XGROUP", "CREATE", "NEWX", "g", "$", "MKSTREAM"});
  same({"XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", "X", ">"});
  same({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "X", "0"});
  same({"XPENDING", "X", "g"});
  same({"XACK", "X", "g", "1-1"});
  same({"XCLAIM", "X", "g", "c2", "0", "2-1", "JUSTID"});
  same({"XAUTOCLAIM", "X", "g", "c3", "0", "0-0", "JUSTID"});
  same({"XDEL", "X", "1-1"});
  same({"XTRIM", "X", "MAXLEN", "1"});
  same({"XRANGE", "X", "-", "+"});
  same({"XREAD", "BLOCK", "100", "STREAMS", "X", "$"}, Compare::kExact, 1);  // times out: nil
  same({"TYPE", "X"});
  finish();
}

TEST_F(RedisDifferentialTest, MultiKey) {
  same({"MSET", "a", "1", "b", "2", "c", "3"});
  same({"DEL", "a", "nokey"});
  same({"EXISTS", "a", "b", "c", "b"});
  same({"UNLINK", "b"});
  same({"TOUCH", "c", "nokey"});
  same({"RENAME", "c", "d"});
  same({"GET", "d"});
  same({"RENAME", "nokey", "x"});
  same({"SET", "e", "5"});
  same({"RENAMENX", "d", "e"});
  same({"COPY", "d", "f"});
  same({"COPY", "d", "f"});
  same({"SET", "d", "30"});
  same({"COPY", "d", "f", "REPLACE"});
  same({"GET", "f"});
  same({"MGET", "a", "b", "c", "d", "e", "f"});
  auto [proxied_dump, direct_dump] = strings({"DUMP", "d"});
  EXPECT_EQ(visibleBytes(proxied_dump), visibleBytes(direct_dump)) << "DUMP d";
  {
    std::string error;
    Reply a = run(proxied_[0].get(), {"RESTORE", "r", "0", proxied_dump}, error);
    Reply b = run(direct_conn_[0].get(), {"RESTORE", "r", "0", direct_dump}, error);
    EXPECT_EQ(canonical(a.get()), canonical(b.get())) << "RESTORE r 0 <payload>";
  }
  same({"GET", "r"});
  same({"DEL", "d", "e", "f", "r"});
  same({"EXISTS", "d", "e", "f", "r"});
  finish();
}

TEST_F(RedisDifferentialTest, Transactions) {
  same({"MULTI"});
  same({"SET", "t1", "1"});
  same({"INCR", "t1"});
  same({"GET", "t1"});
  same({"EXEC"});
  same({"MULTI"});
  same({"SET", "t2", "x"});
  same({"DISCARD"});
  same({"GET", "t2"});
  same({"EXEC"});  // EXEC without MULTI
  // WATCH, then another connection changes the key: EXEC aborts (nil).
  same({"SET", "w", "start"});
  same({"WATCH", "w"});
  same({"SET", "w", "changed"}, Compare::kExact, 1);
  same({"MULTI"});
  same({"SET", "w", "mine"});
  same({"EXEC"});
  same({"GET", "w"});
  // WATCH with no interference: EXEC runs.
  same({"WATCH", "w"});
  same({"MULTI"});
  same({"SET", "w", "mine"});
  same({"EXEC"});
  same({"GET", "w"}, Compare::kExact, 1);
  same({"UNWATCH"});
  // A queueing error aborts the transaction.
  same({"MULTI"});
  same({"SET", "t3"});
  same({"EXEC"});
  finish();
}

// Commands whose replies carry keys, queued in a transaction: EXEC returns those replies in an
// array, so the keys inside must be restored (and filtered) as they are outside a transaction.
TEST_F(RedisDifferentialTest, KeysInsideExec) {
  same({"RPUSH", "tl", "a", "b", "c"});
  same({"SET", "tx:only1", "v"});
  same({"MULTI"});
  same({"LMPOP", "1", "tl", "LEFT"});
  same({"BLPOP", "tl", "0"});  // does not block inside MULTI
  same({"KEYS", "tx:only*"});
  same({"EXEC"});
  same({"MULTI"});
  same({"LMPOP", "1", "tl", "RIGHT"});
  same({"KEYS", "tx:only*"});
  same({"SCAN", "0", "MATCH", "tx:only*", "COUNT", "1000"});
  same({"COMMAND", "GETKEYS", "MSET", "tx:a", "1", "tx:b", "2"});
  same({"EXEC"});
  // Aborted and failed transactions pass as they are: WATCH conflict (nil), a queueing error.
  same({"WATCH", "tl"});
  same({"RPUSH", "tl", "x"}, Compare::kExact, 1);
  same({"MULTI"});
  same({"KEYS", "tx:*"});
  same({"EXEC"});
  same({"MULTI"});
  same({"KEYS"});
  same({"EXEC"});
  // RANDOMKEY inside EXEC: a client key or nil (it drew the version store's hash), never a
  // versioned or store key.
  bool drawn = false;
  for (int i = 0; i < 40; ++i) {
    std::string error;
    ASSERT_TRUE(run(proxied_[0].get(), {"MULTI"}, error)) << error;
    ASSERT_TRUE(run(proxied_[0].get(), {"RANDOMKEY"}, error)) << error;
    Reply exec = run(proxied_[0].get(), {"EXEC"}, error);
    ASSERT_TRUE(exec && exec->type == REDIS_REPLY_ARRAY && exec->elements == 1) << error;
    const redisReply* key = exec->element[0];
    if (key->type == REDIS_REPLY_NIL) continue;
    ASSERT_EQ(key->type, REDIS_REPLY_STRING) << canonical(exec.get());
    const std::string name(key->str, key->len);
    EXPECT_TRUE(name == "tl" || name == "tx:only1") << "RANDOMKEY inside EXEC: " << name;
    drawn = true;
  }
  EXPECT_TRUE(drawn) << "RANDOMKEY inside EXEC never drew a client key";
  finish();
}

TEST_F(RedisDifferentialTest, Scripts) {
  const std::string set_get = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])";
  same({"EVAL", set_get, "1", "sk", "val"});
  same({"GET", "sk"});
  same({"EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1])", "1", "cnt", "5"});
  same({"EVAL", "return redis.call('MGET', KEYS[1], KEYS[2])", "2", "sk", "cnt"});
  same({"EVAL", "return ARGV[1] .. ARGV[2]", "0", "x", "y"});
  same({"EVAL", "return redis.call('GET', KEYS[1])", "3", "a"});  // numkeys too large: an error
  const std::string get = "return redis.call('GET', KEYS[1])";
  same({"SCRIPT", "LOAD", get});
  same({"EVALSHA", "a42059b356c875f0717db19a51f6aaca9ae659ea", "1", "sk"});  // unknown script
  {
    std::string error;
    Reply loaded = run(proxied_[0].get(), {"SCRIPT", "LOAD", get}, error);
    ASSERT_TRUE(loaded && loaded->type == REDIS_REPLY_STRING) << error;
    const std::string digest(loaded->str, loaded->len);
    same({"EVALSHA", digest, "1", "sk"});
    same({"EVALSHA_RO", digest, "1", "cnt"});
    same({"SCRIPT", "EXISTS", digest, "0000000000000000000000000000000000000000"});
  }
  same({"EVAL_RO", get, "1", "sk"});
  same({"FUNCTION", "LOAD", "REPLACE",
        "#!lua name=vctest\nredis.register_function('vcget', function(keys, args) return redis.call('GET', keys[1]) end)"});
  same({"FCALL", "vcget", "1", "sk"});
  same({"FCALL_RO", "vcget", "1", "nokey"});
  finish();
}

TEST_F(RedisDifferentialTest, BlockingPops) {
  same({"RPUSH", "bl", "a", "b", "c"});
  same({"BLPOP", "bl", "1"});
  same({"BRPOP", "nokey", "bl", "1"});
  same({"BLMOVE", "bl", "bl2", "LEFT", "RIGHT", "1"});
  same({"BRPOPLPUSH", "bl2", "bl3", "1"});
  same({"RPUSH", "bl", "d", "e"});
  same({"BLMPOP", "1", "2", "nokey", "bl", "LEFT", "COUNT", "5"});
  // Nothing to pop: both sides wait the 1 s and answer nil.
  const auto start = Clock::now();
  same({"BLPOP", "empty1", "empty2", "1"});
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_GE(waited.count(), 1800) << "both BLPOPs should have waited ~1 s (proxied then direct)";
  EXPECT_LT(waited.count(), 4000);
  // A BLPOP woken by a push from another connection; meanwhile that connection is not blocked.
  ASSERT_NO_FATAL_FAILURE(sendOnly({"BLPOP", "wake", "5"}, 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto get_start = Clock::now();
  same({"GET", "nokey"}, Compare::kExact, 1);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - get_start).count(), 1000)
      << "another client's GET must not wait behind a blocked BLPOP";
  same({"RPUSH", "wake", "x"}, Compare::kExact, 1);
  ASSERT_NO_FATAL_FAILURE(sameReplyPending("BLPOP wake 5 woken by RPUSH wake x", 0));
  same({"LLEN", "wake"});
  finish();
}

TEST_F(RedisDifferentialTest, ScanAndKeys) {
  for (int i = 0; i < 40; ++i) same({"SET", "user:" + std::to_string(i), "u"});
  for (int i = 0; i < 10; ++i) same({"SET", "other:" + std::to_string(i), "o"});
  same({"HSET", "user:h", "f", "v"});
  same({"SET", "plain", "p"});
  same({"SET", "a*b", "glob"});
  sameScan({"MATCH", "user:*", "COUNT", "5"});
  sameScan({"MATCH", "user:1*"});
  sameScan({"MATCH", "*:1"});
  sameScan({"MATCH", "user:?"});
  sameScan({"MATCH", "a\\*b"});
  sameScan({"MATCH", "nomatch*"});
  sameScan({"COUNT", "7"});
  sameScan({});
  sameScan({"MATCH", "user:*", "TYPE", "hash"});
  sameScan({"TYPE", "string", "COUNT", "3"});
  same({"KEYS", "user:*"}, Compare::kSorted);
  same({"KEYS", "*"}, Compare::kSorted);
  same({"KEYS", "user:[12]"}, Compare::kSorted);
  same({"KEYS", "*:9"}, Compare::kSorted);
  same({"KEYS", "p?ain"}, Compare::kSorted);
  same({"KEYS", "nomatch*"});
  same({"EXISTS", "user:1", "other:1", "nokey"});
  // RANDOMKEY draws from the whole keyspace: never a store key or a versioned form.
  for (int i = 0; i < 50; ++i) {
    std::string error;
    Reply reply = run(proxied_[0].get(), {"RANDOMKEY"}, error);
    ASSERT_TRUE(reply) << error;
    if (reply->type == REDIS_REPLY_NIL) continue;
    ASSERT_EQ(reply->type, REDIS_REPLY_STRING) << canonical(reply.get());
    const std::string key(reply->str, reply->len);
    EXPECT_FALSE(key.starts_with("~vc:")) << "RANDOMKEY through vcproxy returned " << key;
  }
  finish();
}

TEST_F(RedisDifferentialTest, TypesAndEncodings) {
  same({"SET", "int", "12345"});
  same({"SET", "emb", "short"});
  same({"SET", "raw", std::string(100, 'r')});
  same({"RPUSH", "list", "a"});
  same({"SADD", "iset", "1", "2"});
  same({"SADD", "sset", "a", "b"});
  same({"ZADD", "zs", "1", "a"});
  same({"HSET", "hs", "f", "v"});
  same({"XADD", "st", "1-1", "f", "v"});
  for (const char* key : {"int", "emb", "raw", "list", "iset", "sset", "zs", "hs", "st", "nokey"}) {
    same({"TYPE", key});
    same({"OBJECT", "ENCODING", key});
  }
  same({"OBJECT", "REFCOUNT", "emb"});
  // DBSIZE counts the whole database: through vcproxy it includes the version store's own keys.
  std::string error;
  Reply proxied = run(proxied_[0].get(), {"DBSIZE"}, error);
  Reply direct = run(direct_conn_[0].get(), {"DBSIZE"}, error);
  ASSERT_TRUE(proxied && direct && proxied->type == REDIS_REPLY_INTEGER && direct->type == REDIS_REPLY_INTEGER);
  const auto backend_keys = scanAllKeys(backend().port());
  ASSERT_TRUE(backend_keys);
  const long long store_keys = std::count_if(backend_keys->begin(), backend_keys->end(),
                                             [](const std::string& key) { return isRedisStoreKey(key); });
  EXPECT_EQ(proxied->integer, direct->integer + store_keys) << "DBSIZE through vcproxy vs direct + store keys";
  finish();
}

TEST_F(RedisDifferentialTest, MiscKeyedCommands) {
  same({"RPUSH", "sl", "1", "2", "3"});
  same({"MSET", "w_1", "30", "w_2", "20", "w_3", "10", "o_1", "x", "o_2", "y", "o_3", "z"});
  same({"SORT", "sl", "BY", "w_*", "GET", "o_*", "GET", "#"});
  same({"SORT", "sl", "BY", "w_*", "STORE", "sorted"});
  same({"LRANGE", "sorted", "0", "-1"});
  same({"SORT_RO", "sl", "BY", "w_*"});
  same({"SORT", "sl", "DESC", "LIMIT", "0", "2"});
  same({"HSET", "hw_1", "k", "3"});
  same({"HSET", "hw_2", "k", "1"});
  same({"HSET", "hw_3", "k", "2"});
  same({"SORT", "sl", "BY", "hw_*->k", "GET", "hw_*->k"});
  same({"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"});
  same({"GEODIST", "geo", "Palermo", "Catania", "km"});
  same({"GEOSEARCHSTORE", "geo2", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"});
  same({"ZRANGE", "geo2", "0", "-1"});
  same({"PFADD", "hll1", "a", "b", "c"});
  same({"PFADD", "hll2", "c", "d"});
  same({"PFMERGE", "hll3", "hll1", "hll2"});
  same({"PFCOUNT", "hll3"});
  same({"PFCOUNT", "hll1", "hll2"});
  same({"SETBIT", "bits1", "7", "1"});
  same({"SET", "bits2", "abc"});
  same({"BITOP", "OR", "bits3", "bits1", "bits2"});
  same({"GET", "bits3"});
  same({"BITCOUNT", "bits3"});
  same({"GETBIT", "bits1", "7"});
  same({"COMMAND", "GETKEYS", "MSET", "k1", "v1", "k2", "v2"});
  same({"COMMAND", "GETKEYS", "EVAL", "return 1", "2", "ka", "kb", "arg"});
  same({"OBJECT", "ENCODING", "sorted"});
  finish();
}

}  // namespace
}  // namespace vcproxy::test
