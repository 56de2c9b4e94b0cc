// Connection state through vcproxy's Redis listener: pub/sub is relayed, and commands that change
// a connection's state (SELECT, HELLO, CLIENT SETNAME/TRACKING, MULTI, SUBSCRIBE) stay with the
// client that sent them instead of leaking to the clients sharing an upstream connection.
// Raw RESP (harness/resp_client.h), so RESP3 framing is checked byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using Strings = std::vector<std::string>;

class RedisStatefulTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  std::unique_ptr<RespClient> client() { return std::make_unique<RespClient>(proxyPort()); }
};

// The value of a reply as "type:text" items, for pub/sub messages.
Strings messageOf(const RespReply& reply) {
  Strings out;
  for (const auto& item : reply.value.items) out.push_back(item.type == ':' ? ":" + item.text : item.text);
  return out;
}

TEST_F(RedisStatefulTest, SubscribeReceivesPublish) {
  auto subscriber = client();
  auto publisher = client();
  auto second = client();
  RespReply reply = subscriber->call({"SUBSCRIBE", "news"});
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(messageOf(reply), (Strings{"subscribe", "news", ":1"})) << reply.describe();
  reply = second->call({"SUBSCRIBE", "news", "other"});
  EXPECT_EQ(messageOf(reply), (Strings{"subscribe", "news", ":1"})) << reply.describe();
  EXPECT_EQ(messageOf(second->read()), (Strings{"subscribe", "other", ":2"}));

  EXPECT_EQ(publisher->call({"PUBLISH", "news", "hello"}).describe(), "(integer) 2");
  reply = subscriber->read();
  EXPECT_EQ(messageOf(reply), (Strings{"message", "news", "hello"})) << reply.describe();
  EXPECT_EQ(messageOf(second->read()), (Strings{"message", "news", "hello"}));
  EXPECT_EQ(publisher->call({"PUBLISH", "other", "x"}).describe(), "(integer) 1");
  EXPECT_EQ(messageOf(second->read()), (Strings{"message", "other", "x"}));

  // Still in subscribed mode: a further SUBSCRIBE and PING are answered in pub/sub form.
  reply = subscriber->call({"SUBSCRIBE", "more"});
  EXPECT_EQ(messageOf(reply), (Strings{"subscribe", "more", ":2"})) << reply.describe();
  reply = subscriber->call({"PING"});
  EXPECT_EQ(messageOf(reply), (Strings{"pong", ""})) << reply.describe();
  // A non-pub/sub command in RESP2 subscribed mode is an error from Redis, relayed as is.
  reply = subscriber->call({"GET", "k"});
  EXPECT_TRUE(reply.value.isError()) << reply.describe();
  // Many messages back to back arrive complete and in order.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(publisher->send({"PUBLISH", "more", "m" + std::to_string(i)}));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(publisher->read().describe(), "(integer) 1");
  for (int i = 0; i < 100; ++i) {
    reply = subscriber->read();
    ASSERT_TRUE(reply.ok()) << "message " << i << ": " << reply.error;
    EXPECT_EQ(messageOf(reply), (Strings{"message", "more", "m" + std::to_string(i)}));
  }
}

TEST_F(RedisStatefulTest, PatternSubscribe) {
  auto subscriber = client();
  auto publisher = client();
  RespReply reply = subscriber->call({"PSUBSCRIBE", "news.*"});
  EXPECT_EQ(messageOf(reply), (Strings{"psubscribe", "news.*", ":1"})) << reply.describe();
  EXPECT_EQ(publisher->call({"PUBLISH", "news.sport", "goal"}).describe(), "(integer) 1");
  EXPECT_EQ(publisher->call({"PUBLISH", "weather", "rain"}).describe(), "(integer) 0");
  reply = subscriber->read();
  EXPECT_EQ(messageOf(reply), (Strings{"pmessage", "news.*", "news.sport", "goal"})) << reply.describe();
  reply = subscriber->call({"PUNSUBSCRIBE", "news.*"});
  EXPECT_EQ(messageOf(reply), (Strings{"punsubscribe", "news.*", ":0"})) << reply.describe();
}

TEST_F(RedisStatefulTest, ShardedSubscribe) {
  auto subscriber = client();
  auto publisher = client();
  RespReply reply = subscriber->call({"SSUBSCRIBE", "shard:ch"});
  EXPECT_EQ(messageOf(reply), (Strings{"ssubscribe", "shard:ch", ":1"})) << reply.describe();
  EXPECT_EQ(publisher->call({"SPUBLISH", "shard:ch", "m1"}).describe(), "(integer) 1")
      << "SPUBLISH must reach the SSUBSCRIBEd channel (same channel name on both sides)";
  reply = subscriber->read();
  EXPECT_EQ(messageOf(reply), (Strings{"smessage", "shard:ch", "m1"})) << reply.describe();
}

// After the last UNSUBSCRIBE a RESP2 connection is a normal one again: its replies must be
// ordinary replies with keys restored, not relayed as raw messages.
TEST_F(RedisStatefulTest, NormalCommandsAfterUnsubscribe) {
  auto c = client();
  RespReply reply = c->call({"SUBSCRIBE", "a"});
  ASSERT_EQ(messageOf(reply), (Strings{"subscribe", "a", ":1"})) << reply.describe();
  reply = c->call({"UNSUBSCRIBE", "a"});
  ASSERT_EQ(messageOf(reply), (Strings{"unsubscribe", "a", ":0"})) << reply.describe();
  EXPECT_EQ(c->call({"SET", "after:unsub", "v"}).describe(), "OK");
  EXPECT_EQ(c->call({"GET", "after:unsub"}).describe(), "\"v\"");
  EXPECT_EQ(c->call({"KEYS", "after:*"}).describe(), "[\"after:unsub\"]");
  EXPECT_EQ(c->call({"RPUSH", "after:list", "x"}).describe(), "(integer) 1");
  EXPECT_EQ(c->call({"LMPOP", "1", "after:list", "LEFT"}).describe(), "[\"after:list\", [\"x\"]]");
  // RANDOMKEY answers nil when it drew a key the client must not see (the store's own).
  const std::string random = c->call({"RANDOMKEY"}).describe();
  EXPECT_TRUE(random == "\"after:unsub\"" || random == "(nil)") << random;
}

// RESP3 lets a subscribed connection run any command: its replies still carry the client's keys,
// interleaved in order with the pushed messages.
TEST_F(RedisStatefulTest, Resp3SubscribedConnectionRestoresKeys) {
  auto c = client();
  auto publisher = client();
  ASSERT_EQ(c->call({"HELLO", "3"}).value.type, '%');
  EXPECT_EQ(c->call({"SET", "sub:key", "v"}).describe(), "OK");
  EXPECT_EQ(c->call({"RPUSH", "sub:list", "a", "b"}).describe(), "(integer) 2");
  EXPECT_EQ(c->call({"SUBSCRIBE", "ch"}).describe(), "(push) [\"subscribe\", \"ch\", (integer) 1]");
  EXPECT_EQ(c->call({"GET", "sub:key"}).describe(), "\"v\"");
  EXPECT_EQ(c->call({"KEYS", "sub:k*"}).describe(), "[\"sub:key\"]");
  EXPECT_EQ(c->call({"LMPOP", "1", "sub:list", "LEFT"}).describe(), "[\"sub:list\", [\"a\"]]");
  EXPECT_EQ(publisher->call({"PUBLISH", "ch", "hi"}).describe(), "(integer) 1");
  EXPECT_EQ(c->read().describe(), "(push) [\"message\", \"ch\", \"hi\"]");
  const RespReply scan = c->call({"SCAN", "0", "MATCH", "sub:*", "COUNT", "1000"});
  ASSERT_EQ(scan.value.items.size(), 2u) << scan.describe();
  Strings keys = scan.value.items[1].strings();
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (Strings{"sub:key", "sub:list"})) << scan.describe() << " (LMPOP 1 left b in sub:list)";
}

// RESET returns a connection to its defaults (RESP2, db 0, no subscription): afterwards it is an
// ordinary client again, with keys restored in its replies.
TEST_F(RedisStatefulTest, ResetEndsSubscriptionAndState) {
  auto c = client();
  auto other = client();
  EXPECT_EQ(other->call({"SET", "reset:key", "db0"}).describe(), "OK");
  EXPECT_EQ(c->call({"SELECT", "1"}).describe(), "OK");
  EXPECT_EQ(c->call({"GET", "reset:key"}).describe(), "(nil)");
  EXPECT_EQ(messageOf(c->call({"SUBSCRIBE", "ch"})), (Strings{"subscribe", "ch", ":1"}));
  EXPECT_EQ(c->call({"RESET"}).describe(), "RESET");
  EXPECT_EQ(c->call({"GET", "reset:key"}).describe(), "\"db0\"") << "RESET goes back to db 0";
  EXPECT_EQ(c->call({"KEYS", "reset:*"}).describe(), "[\"reset:key\"]");
  // RANDOMKEY may draw the version store's hash too, which the client must not see (nil).
  bool drawn = false;
  for (int i = 0; i < 50 && !drawn; ++i) {
    const std::string random = c->call({"RANDOMKEY"}).describe();
    EXPECT_TRUE(random == "\"reset:key\"" || random == "(nil)") << random;
    drawn = random == "\"reset:key\"";
  }
  EXPECT_TRUE(drawn) << "RANDOMKEY never drew reset:key in db 0";
  EXPECT_EQ(other->call({"PUBLISH", "ch", "x"}).describe(), "(integer) 0") << "RESET unsubscribed";
}

TEST_F(RedisStatefulTest, SelectStaysWithItsClient) {
  auto a = client();
  auto b = client();
  EXPECT_EQ(a->call({"SELECT", "1"}).describe(), "OK");
  EXPECT_EQ(a->call({"SET", "dbkey", "in-db-1"}).describe(), "OK");
  EXPECT_EQ(a->call({"GET", "dbkey"}).describe(), "\"in-db-1\"");
  EXPECT_EQ(b->call({"GET", "dbkey"}).describe(), "(nil)") << "client B (db 0) sees client A's db 1";
  EXPECT_EQ(b->call({"SET", "dbkey", "in-db-0"}).describe(), "OK");
  EXPECT_EQ(a->call({"GET", "dbkey"}).describe(), "\"in-db-1\"");
  for (int i = 0; i < 8; ++i) {  // fresh clients, on either worker, are in db 0
    auto c = client();
    EXPECT_EQ(c->call({"GET", "dbkey"}).describe(), "\"in-db-0\"") << "fresh client " << i;
  }
  a->close();
  auto d = client();
  EXPECT_EQ(d->call({"GET", "dbkey"}).describe(), "\"in-db-0\"") << "after client A closed";
  // The backend itself: a versioned key in each database.
  RespClient direct(backend().port());
  EXPECT_EQ(direct.call({"SELECT", "1"}).describe(), "OK");
  const RespReply db1 = direct.call({"KEYS", "*dbkey"});
  ASSERT_EQ(db1.value.items.size(), 1u) << db1.describe();
  EXPECT_TRUE(db1.value.items[0].text.starts_with("~vc:it:all:")) << db1.describe();
}

TEST_F(RedisStatefulTest, Hello3GivesResp3Framing) {
  RedisServer reference;  // the same commands straight on a Redis, for the exact bytes
  RespClient direct(reference.port());
  auto a = client();
  auto b = client();
  const RespReply hello = a->call({"HELLO", "3"});
  ASSERT_TRUE(hello.ok()) << hello.error;
  EXPECT_EQ(hello.value.type, '%') << hello.describe();
  ASSERT_EQ(direct.call({"HELLO", "3"}).value.type, '%');

  const std::vector<Strings> script = {
      {"HSET", "h", "f1", "v1", "f2", "v2"},
      {"HGETALL", "h"},
      {"SADD", "s", "only"},
      {"SMEMBERS", "s"},
      {"ZADD", "z", "1.5", "m"},
      {"ZSCORE", "z", "m"},
      {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
      {"GET", "nokey"},
      {"RPUSH", "l", "a", "b"},
      {"LMPOP", "1", "l", "LEFT"},
      {"BLPOP", "l", "1"},
      {"XADD", "x", "1-1", "f", "v"},
      {"XREAD", "STREAMS", "x", "0"},
      {"ZMPOP", "1", "z", "MIN"},
      {"SET", "k", "v"},
      {"KEYS", "k"},
      {"SCAN", "0", "MATCH", "k", "COUNT", "1000"},
      {"EXISTS", "k"},
  };
  for (const auto& command : script) {
    const RespReply want = direct.call(command);
    const RespReply got = a->call(command);
    EXPECT_EQ(visibleBytes(got.raw), visibleBytes(want.raw))
        << "RESP3 reply to " << respCommand(command) << "expected " << want.describe() << "\nactual " << got.describe();
  }
  // Another client on RESP2 gets RESP2.
  const RespReply resp2 = b->call({"HGETALL", "h"});
  EXPECT_EQ(resp2.value.type, '*') << resp2.describe();
  EXPECT_EQ(resp2.describe(), "[\"f1\", \"v1\", \"f2\", \"v2\"]");
  const RespReply null2 = b->call({"GET", "nokey"});
  EXPECT_EQ(visibleBytes(null2.raw), "$-1\\r\\n");
}

TEST_F(RedisStatefulTest, ClientSetNameStaysWithItsClient) {
  auto a = client();
  auto b = client();
  EXPECT_EQ(a->call({"CLIENT", "SETNAME", "alice"}).describe(), "OK");
  EXPECT_EQ(a->call({"CLIENT", "GETNAME"}).describe(), "\"alice\"");
  EXPECT_EQ(b->call({"CLIENT", "GETNAME"}).describe(), "(nil)") << "client B took client A's name";
  EXPECT_EQ(a->call({"SET", "x", "1"}).describe(), "OK");
  EXPECT_EQ(a->call({"CLIENT", "GETNAME"}).describe(), "\"alice\"");
  for (int i = 0; i < 8; ++i) {
    auto c = client();
    EXPECT_EQ(c->call({"CLIENT", "GETNAME"}).describe(), "(nil)") << "fresh client " << i;
  }
}

TEST_F(RedisStatefulTest, ClientTrackingInvalidationCarriesClientKey) {
  auto a = client();
  auto b = client();
  ASSERT_EQ(a->call({"HELLO", "3"}).value.type, '%');
  EXPECT_EQ(a->call({"CLIENT", "TRACKING", "ON"}).describe(), "OK");
  EXPECT_EQ(b->call({"SET", "tracked", "1"}).describe(), "OK");
  EXPECT_EQ(a->call({"GET", "tracked"}).describe(), "\"1\"");
  EXPECT_EQ(b->call({"SET", "tracked", "2"}).describe(), "OK");
  const RespReply push = a->read();
  ASSERT_TRUE(push.ok()) << push.error;
  EXPECT_EQ(push.describe(), "(push) [\"invalidate\", [\"tracked\"]]")
      << "the invalidation push must name the client's key, not the versioned one";
  EXPECT_EQ(a->call({"GET", "tracked"}).describe(), "\"2\"");
}

// Broadcast tracking names key prefixes: the client's prefix must match the client's keys.
TEST_F(RedisStatefulTest, ClientTrackingBroadcastPrefix) {
  auto a = client();
  auto b = client();
  ASSERT_EQ(a->call({"HELLO", "3"}).value.type, '%');
  EXPECT_EQ(a->call({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:"}).describe(), "OK");
  EXPECT_EQ(b->call({"SET", "user:5", "x"}).describe(), "OK");
  a->setTimeout(std::chrono::milliseconds(2000));
  const RespReply push = a->read();
  EXPECT_EQ(push.describe(), "(push) [\"invalidate\", [\"user:5\"]]")
      << "no invalidation for SET user:5 with CLIENT TRACKING ON BCAST PREFIX user:";
}

// RESP2 tracking with REDIRECT: the invalidations reach the subscriber of __redis__:invalidate
// with the client's key, never the versioned one.
TEST_F(RedisStatefulTest, ClientTrackingRedirectMessagesCarryTheClientsKeys) {
  auto target = client();
  auto tracked = client();
  auto writer = client();
  const RespReply id = target->call({"CLIENT", "ID"});  // its own connection's id: CLIENT ID pins
  ASSERT_EQ(id.value.type, ':') << id.describe();
  ASSERT_EQ(target->call({"SUBSCRIBE", "__redis__:invalidate"}).describe(),
            "[\"subscribe\", \"__redis__:invalidate\", (integer) 1]");
  EXPECT_EQ(tracked->call({"CLIENT", "TRACKING", "ON", "REDIRECT", id.value.text}).describe(), "OK");
  EXPECT_EQ(writer->call({"SET", "user:9", "a"}).describe(), "OK");
  EXPECT_EQ(tracked->call({"GET", "user:9"}).describe(), "\"a\"");
  EXPECT_EQ(writer->call({"SET", "user:9", "b"}).describe(), "OK");
  target->setTimeout(std::chrono::milliseconds(2000));
  EXPECT_EQ(target->read().describe(), "[\"message\", \"__redis__:invalidate\", [\"user:9\"]]");
}

// Pub/sub commands pipelined in one write are answered exactly as Redis answers them.
TEST_F(RedisStatefulTest, PipelinedSubscribeLikeRedis) {
  RedisServer reference;
  const std::string input = respCommand({"SUBSCRIBE", "a", "b"}) + respCommand({"PSUBSCRIBE", "p*"}) +
                            respCommand({"PING"}) + respCommand({"UNSUBSCRIBE", "a", "b"}) +
                            respCommand({"PUNSUBSCRIBE", "p*"}) + respCommand({"PING"}) +
                            respCommand({"GET", "nokey"});
  constexpr int kReplies = 9;
  std::string want, got;
  for (auto [port, out] : {std::pair{reference.port(), &want}, std::pair{proxyPort(), &got}}) {
    RespClient c(port);
    ASSERT_TRUE(c.sendRaw(input));
    for (int i = 0; i < kReplies; ++i) {
      const RespReply reply = c.read();
      if (!reply.ok()) {
        *out += "<" + reply.error + ">";
        break;
      }
      *out += reply.raw;
    }
  }
  EXPECT_EQ(visibleBytes(got), visibleBytes(want));
}

// The same bytes, pipelined in one write, through vcproxy and straight to a Redis: every reply,
// message and push, in Redis' order, keys restored (the proxy's backend holds versioned keys).
void expectPipelineLikeRedis(uint16_t proxy_port, const std::vector<Strings>& commands, int replies) {
  RedisServer reference;
  std::string input;
  for (const auto& command : commands) input += respCommand(command);
  std::string want, got;
  for (auto [port, out] : {std::pair{reference.port(), &want}, std::pair{proxy_port, &got}}) {
    RespClient c(port);
    ASSERT_TRUE(c.sendRaw(input));
    for (int i = 0; i < replies; ++i) {
      const RespReply reply = c.read();
      if (!reply.ok()) {
        *out += "<" + reply.error + ">";
        break;
      }
      *out += reply.raw;
    }
  }
  // HELLO's client id differs between the two servers.
  const std::regex id("\\$2\r\nid\r\n:[0-9]+\r\n");
  EXPECT_EQ(visibleBytes(std::regex_replace(got, id, "<id>")), visibleBytes(std::regex_replace(want, id, "<id>")));
}

// RESET right behind SUBSCRIBE, and commands right behind RESET, before any reply came back.
TEST_F(RedisStatefulTest, PipelinedResetAfterSubscribeLikeRedis) {
  expectPipelineLikeRedis(proxyPort(),
                          {{"SET", "rk", "v"}, {"SUBSCRIBE", "a", "b"}, {"PING"}, {"RESET"}, {"KEYS", "rk*"},
                           {"GET", "rk"}, {"RPUSH", "rl", "x"}, {"LMPOP", "1", "rl", "LEFT"}, {"SCAN", "0", "MATCH", "r*"}},
                          10);
  expectPipelineLikeRedis(proxyPort(),
                          {{"HELLO", "3"}, {"SUBSCRIBE", "a"}, {"RESET"}, {"SET", "rk", "v"}, {"KEYS", "rk"},
                           {"SUBSCRIBE", "b"}, {"GET", "rk"}, {"RESET"}, {"HGETALL", "nokey"}},
                          9);
}

// RESP3 subscribed: pushes and replies interleaved exactly as Redis sends them.
TEST_F(RedisStatefulTest, PipelinedResp3SubscribedLikeRedis) {
  expectPipelineLikeRedis(proxyPort(),
                          {{"HELLO", "3"}, {"SET", "pk", "v"}, {"SUBSCRIBE", "a", "b"}, {"GET", "pk"}, {"KEYS", "pk"},
                           {"PUBLISH", "a", "m1"}, {"PSUBSCRIBE", "p*"}, {"PUBLISH", "pa", "m2"}, {"EXISTS", "pk"},
                           {"UNSUBSCRIBE", "a", "b"}, {"PUNSUBSCRIBE"}, {"PING"}, {"UNSUBSCRIBE", "z"}, {"GET", "pk"}},
                          18);
}

// A command vcproxy refuses inside MULTI aborts the transaction as a queueing error in Redis does.
TEST_F(RedisStatefulTest, RefusedCommandAbortsTransaction) {
  auto c = client();
  EXPECT_EQ(c->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(c->call({"SET", "ta", "1"}).describe(), "QUEUED");
  EXPECT_TRUE(c->call({"GET", "~vc:it:x"}).value.isError());
  EXPECT_TRUE(c->call({"MONITOR"}).value.isError());
  EXPECT_EQ(c->call({"EXEC"}).describe(), "(error) EXECABORT Transaction discarded because of previous errors.");
  EXPECT_EQ(c->call({"GET", "ta"}).describe(), "(nil)");
  EXPECT_EQ(c->call({"EXEC"}).describe(), "(error) ERR EXEC without MULTI") << "the upstream transaction is over";
  EXPECT_EQ(c->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(c->call({"SET", "ta", "2"}).describe(), "QUEUED");
  EXPECT_EQ(c->call({"KEYS", "t*"}).describe(), "QUEUED");
  EXPECT_EQ(c->call({"EXEC"}).describe(), "[OK, [\"ta\"]]");
}

// Every client that needed its own upstream connection gives it back when it leaves: Redis's
// client count returns to where it was.
TEST_F(RedisStatefulTest, PinnedConnectionsAreReleased) {
  RespClient direct(backend().port());
  auto connectedClients = [&direct]() -> int {
    const RespReply info = direct.call({"INFO", "clients"});
    const size_t at = info.value.text.find("connected_clients:");
    return at == std::string::npos ? -1 : std::stoi(info.value.text.substr(at + 18));
  };
  {  // warm up: the shared connections of both workers exist
    for (int i = 0; i < 4; ++i) EXPECT_EQ(client()->call({"PING"}).describe(), "PONG");
  }
  const int baseline = connectedClients();
  ASSERT_GT(baseline, 0);
  {
    std::vector<std::unique_ptr<RespClient>> clients;
    for (int i = 0; i < 30; ++i) {
      clients.push_back(client());
      const std::vector<std::vector<std::string>> kinds = {
          {"SELECT", "0"}, {"CLIENT", "SETNAME", "c" + std::to_string(i)}, {"MULTI"}, {"WATCH", "k"}, {"HELLO", "2"},
          {"SUBSCRIBE", "ch"}};
      EXPECT_EQ(clients.back()->call(kinds[i % kinds.size()]).value.isError(), false) << i;
    }
    const auto grown = pollUntil(std::chrono::seconds(2), [&] { return connectedClients() >= baseline + 30; },
                                 std::chrono::milliseconds(20));
    EXPECT_TRUE(grown.has_value()) << "expected 30 pinned connections, Redis has " << connectedClients() - baseline;
  }  // every client closes here
  const auto released = pollUntil(std::chrono::seconds(3), [&] { return connectedClients() <= baseline; },
                                  std::chrono::milliseconds(20));
  EXPECT_TRUE(released.has_value()) << "pinned upstream connections left open: Redis has "
                                    << connectedClients() - baseline << " more clients than before";
}

// A client that disconnects while blocked in BLPOP is gone for Redis: it pops nothing any more,
// so an element pushed afterwards stays in the list for the next consumer (a job queue must not
// lose the job to a consumer that left). Its upstream connection is closed too.
TEST_F(RedisStatefulTest, BlockedClientThatLeavesPopsNothing) {
  RespClient direct(backend().port());
  auto connectedClients = [&direct]() -> int {
    const RespReply info = direct.call({"INFO", "clients"});
    const size_t at = info.value.text.find("connected_clients:");
    return at == std::string::npos ? -1 : std::stoi(info.value.text.substr(at + 18));
  };
  auto producer = client();
  EXPECT_EQ(producer->call({"PING"}).describe(), "PONG");
  const int baseline = connectedClients();
  {
    auto consumer = client();
    ASSERT_TRUE(consumer->send({"BLPOP", "jobs", "0"}));
    const auto blocked = pollUntil(std::chrono::seconds(2), [&] { return connectedClients() > baseline; },
                                   std::chrono::milliseconds(10));
    ASSERT_TRUE(blocked.has_value()) << "the consumer never reached Redis";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }  // the consumer leaves while blocked
  const auto released = pollUntil(std::chrono::seconds(2), [&] { return connectedClients() <= baseline; },
                                  std::chrono::milliseconds(20));
  EXPECT_TRUE(released.has_value()) << "the departed consumer's upstream connection is still open ("
                                    << connectedClients() - baseline << " extra client(s) on Redis)";
  EXPECT_EQ(producer->call({"RPUSH", "jobs", "job-1"}).describe(), "(integer) 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(producer->call({"LRANGE", "jobs", "0", "-1"}).describe(), "[\"job-1\"]")
      << "the job was popped by the BLPOP of a client that had already disconnected";
}

TEST_F(RedisStatefulTest, MultiDoesNotSwallowOtherClients) {
  auto a = client();
  auto b = client();
  EXPECT_EQ(a->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(b->call({"SET", "mk", "1"}).describe(), "OK") << "client B's command was queued in A's transaction";
  EXPECT_EQ(a->call({"SET", "mk", "2"}).describe(), "QUEUED");
  EXPECT_EQ(b->call({"GET", "mk"}).describe(), "\"1\"");
  EXPECT_EQ(a->call({"EXEC"}).describe(), "[OK]");
  EXPECT_EQ(b->call({"GET", "mk"}).describe(), "\"2\"");
  // A client that leaves in the middle of a transaction leaves nothing behind.
  EXPECT_EQ(a->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(a->call({"SET", "mk", "3"}).describe(), "QUEUED");
  a->close();
  EXPECT_EQ(b->call({"GET", "mk"}).describe(), "\"2\"");
  auto c = client();
  EXPECT_EQ(c->call({"EXEC"}).describe(), "(error) ERR EXEC without MULTI");
}

TEST_F(RedisStatefulTest, WatchIsPerClient) {
  auto a = client();
  auto b = client();
  EXPECT_EQ(a->call({"SET", "wk", "0"}).describe(), "OK");
  EXPECT_EQ(a->call({"WATCH", "wk"}).describe(), "OK");
  EXPECT_EQ(b->call({"INCR", "wk"}).describe(), "(integer) 1");
  EXPECT_EQ(a->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(a->call({"INCR", "wk"}).describe(), "QUEUED");
  EXPECT_EQ(a->call({"EXEC"}).describe(), "(nil array)") << "WATCH did not see client B's change";
  // B never watched anything: its own transaction runs.
  EXPECT_EQ(b->call({"MULTI"}).describe(), "OK");
  EXPECT_EQ(b->call({"INCR", "wk"}).describe(), "QUEUED");
  EXPECT_EQ(b->call({"EXEC"}).describe(), "[(integer) 2]");
}

}  // namespace
}  // namespace vcproxy::test
