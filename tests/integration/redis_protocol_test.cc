// The RESP protocol edge of vcproxy's Redis listener, compared byte for byte with Redis itself:
// protocol errors (answered, then the connection closed, as Redis does), inline commands,
// pipelining and split delivery, large values; and vcproxy's own refusals (MONITOR, DEBUG,
// replication; keys with the reserved prefix ~vc:), which must leave the connection usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

using Strings = std::vector<std::string>;

// Everything a server sends back for `input` (followed by an inline PING, which is answered only
// if the connection survived), and whether it closed the connection.
struct Transcript {
  std::string bytes;
  bool closed = false;
  std::string describe() const { return "\"" + visibleBytes(bytes) + "\"" + (closed ? " then closed" : " (open)"); }
  bool operator==(const Transcript& other) const { return bytes == other.bytes && closed == other.closed; }
};

void PrintTo(const Transcript& transcript, std::ostream* os) { *os << transcript.describe(); }

Transcript exchange(uint16_t port, const std::string& input, bool ping = true) {
  TextClient client(port, std::chrono::milliseconds(2000));
  Transcript transcript;
  if (!client.send(ping ? input + "PING\r\n" : input)) transcript.closed = true;  // still read what came back
  for (;;) {
    const ReadResult line = client.readLine();
    if (!line.ok()) {
      transcript.bytes += line.data;
      transcript.closed = line.error.find("timed out") == std::string::npos;
      return transcript;
    }
    transcript.bytes += line.data + "\r\n";
    if (transcript.bytes.ends_with("+PONG\r\n")) return transcript;
  }
}

class RedisProtocolTest : public RedisProxyTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RedisProxyTest::SetUp());
    if (IsSkipped()) return;
    reference_ = std::make_unique<RedisServer>();
    ASSERT_NO_FATAL_FAILURE(startProxy());
  }

  void expectSameTranscript(const std::string& input, bool ping = true) {
    const Transcript want = exchange(reference_->port(), input, ping);
    const Transcript got = exchange(proxyPort(), input, ping);
    EXPECT_EQ(got, want) << "input: \"" << visibleBytes(input) << (ping ? "PING\\r\\n" : "") << "\"\n  expected (direct Redis): "
                         << want.describe() << "\n  actual (through vcproxy): " << got.describe();
  }

  std::unique_ptr<RedisServer> reference_;
};

TEST_F(RedisProtocolTest, InvalidBulkLengthAnswersThenCloses) {
  const Transcript want = exchange(reference_->port(), "*1\r\n$abc\r\n");
  ASSERT_EQ(want.bytes, "-ERR Protocol error: invalid bulk length\r\n");
  ASSERT_TRUE(want.closed);
  expectSameTranscript("*1\r\n$abc\r\n");
}

TEST_F(RedisProtocolTest, MalformedInputLikeRedis) {
  for (const std::string& input : {
           std::string("*abc\r\n"),
           std::string("*1\r\nfoo\r\n"),
           std::string("*2\r\n$3\r\nGET\r\n$-5\r\n"),
           std::string("*1\r\n$1000000000000\r\n"),
           std::string("*2000000000000\r\n"),
           std::string("SET \"unbalanced\r\n"),
           std::string("SET 'a\r\n"),
           std::string("*-1\r\n"),
           std::string("*0\r\n"),
           std::string("\r\n"),
           std::string("\n"),
           std::string("   \r\n"),
           std::string("*1\r\n$4\r\nPING\r\n"),
           std::string("*1\r\n$3\r\nGETXX\r\n"),
       }) {
    SCOPED_TRACE("input: " + visibleBytes(input));
    expectSameTranscript(input);
  }
}

// An inline request with no newline within 64 KB: Redis answers "too big inline request" and closes.
// (Redis reads 16 KB at a time, so a line of up to ~80 KB may still be served; not compared here.)
TEST_F(RedisProtocolTest, TooBigInlineRequest) {
  const Transcript want = exchange(reference_->port(), std::string(100 * 1024, 'a'), false);
  ASSERT_EQ(want.bytes, "-ERR Protocol error: too big inline request\r\n") << want.describe();
  expectSameTranscript(std::string(100 * 1024, 'a'), false);
}

TEST_F(RedisProtocolTest, InlineCommands) {
  expectSameTranscript("SET ik iv\r\nGET ik\r\n*2\r\n$3\r\nGET\r\n$2\r\nik\r\n");
  expectSameTranscript("SET \"a b\" \"c\\x41\\n\"\r\nGET \"a b\"\r\nSTRLEN 'a b'\r\n");
  expectSameTranscript("RPUSH il x y\r\nLMPOP 1 il LEFT\r\nKEYS il*\r\n");  // one key: KEYS order is unspecified
  expectSameTranscript("SET nl v\nGET nl\n");  // bare \n ends an inline command too
}

TEST_F(RedisProtocolTest, UnknownAndWrongArity) {
  for (const std::string& input : {
           respCommand({"FOO", "bar"}),
           respCommand({"FOO"}),
           std::string("FOO bar baz\r\n"),
           respCommand({"OBJECT", "FOO", "k"}),
           respCommand({"CONFIG", "FOOBAR"}),
           respCommand({"GET"}),
           respCommand({"SET", "k"}),
           respCommand({"MGET"}),
           respCommand({"ZUNIONSTORE", "d", "5", "a"}),
           respCommand({"XREAD", "STREAMS", "a", "b", "c"}),
           respCommand({"EVAL", "return 1", "3", "a"}),
           respCommand({"LMPOP", "0", "a", "LEFT"}),
           respCommand({"AUTH", "secret"}),
           respCommand({"AUTH", "user", "secret"}),
           respCommand({"HELLO", "4"}),
           respCommand({"SELECT", "9999"}),
           respCommand({"ECHO", std::string("a\0\r\nb", 5)}),
           respCommand({"EVAL", "return 1", "-1"}),
           respCommand({"EVAL", "return 1", "99999999999999999999"}),
           respCommand({"ZUNIONSTORE", "d", "-1", "a"}),
           respCommand({"LMPOP", "-1", "a", "LEFT"}),
           respCommand({"ZINTER", "2147483648", "a"}),
           respCommand({"XREAD", "STREAMS"}),
           respCommand({"XREADGROUP", "GROUP", "g", "c", "STREAMS"}),
           respCommand({"COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b"}),
           respCommand({"COMMAND", "GETKEYS", "GET"}),
           respCommand({"COMMAND", "GETKEYS", "FOO", "a"}),
           respCommand({"SINTERCARD", "0", "a"}),
           respCommand({"OBJECT", "ENCODING"}),
           respCommand({"MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS"}),
       }) {
    SCOPED_TRACE("input: " + visibleBytes(input));
    expectSameTranscript(input);
  }
}

TEST_F(RedisProtocolTest, QuitAnswersOkThenCloses) {
  TextClient client(proxyPort());
  ASSERT_TRUE(client.send(respCommand({"SET", "q", "1"}) + respCommand({"QUIT"}) + respCommand({"GET", "q"})));
  EXPECT_EQ(client.readLine(), "+OK");
  EXPECT_EQ(client.readLine(), "+OK");
  EXPECT_TRUE(client.expectClosed());
}

TEST_F(RedisProtocolTest, RefusedCommandsKeepTheConnection) {
  RespClient client(proxyPort());
  const std::vector<Strings> refused = {
      {"MONITOR"}, {"monitor"}, {"DEBUG", "SLEEP", "0"}, {"SYNC"}, {"PSYNC", "?", "-1"},
      {"REPLCONF", "listening-port", "6380"},
  };
  for (const auto& command : refused) {
    const RespReply reply = client.call(command);
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(reply.value.type, '-') << reply.describe();
    const std::string prefix = "ERR " + command[0] + " is not supported through vcproxy: ";
    EXPECT_TRUE(reply.value.text.starts_with(prefix)) << "reply to " << command[0] << ": " << reply.describe();
    EXPECT_GT(reply.value.text.size(), prefix.size()) << "the refusal says why";
    EXPECT_EQ(client.call({"PING"}).describe(), "PONG") << "after " << command[0];
  }
  // MONITOR refused: another client's commands are not streamed to this one.
  RespClient other(proxyPort());
  EXPECT_EQ(other.call({"SET", "mon", "1"}).describe(), "OK");
  client.setTimeout(std::chrono::milliseconds(300));
  EXPECT_EQ(client.call({"PING"}).describe(), "PONG");
  const RespReply stray = client.read();
  EXPECT_FALSE(stray.ok()) << "unexpected frame after a refused MONITOR: " << stray.describe();
}

TEST_F(RedisProtocolTest, ReservedPrefixRefused) {
  RespClient client(proxyPort());
  const std::string refusal = "(error) ERR key starts with the reserved prefix ~vc:";
  const std::vector<Strings> commands = {
      {"GET", "~vc:x"},
      {"SET", "~vc:it:all:AAAAAAAA:k", "v"},
      {"MSET", "ok1", "1", "~vc:b", "2"},
      {"DEL", "plain", "~vc:it:!versions"},
      {"HGETALL", "~vc:it:!versions"},
      {"HSET", "~vc:it:!versions", "all", "AAAAAAAA"},
      {"EVAL", "return redis.call('GET', KEYS[1])", "1", "~vc:z"},
      {"RENAME", "ok1", "~vc:x"},
      {"XREAD", "STREAMS", "s", "~vc:s", "0", "0"},
      {"ZUNIONSTORE", "d", "2", "a", "~vc:a"},
      {"OBJECT", "ENCODING", "~vc:it:!versions"},
  };
  for (const auto& command : commands) {
    EXPECT_EQ(client.call(command).describe(), refusal) << respCommand(command);
  }
  EXPECT_EQ(client.call({"EXISTS", "ok1", "plain", "d"}).describe(), "(integer) 0")
      << "a refused command must not be forwarded in part";
  EXPECT_EQ(client.call({"PING"}).describe(), "PONG");
  // The version store survived: the proxy still knows the cache's version and serves keys.
  RespClient direct(backend().port());
  EXPECT_EQ(direct.call({"HLEN", "~vc:it:!versions"}).describe(), "(integer) 1");
  EXPECT_EQ(client.call({"SET", "after", "1"}).describe(), "OK");
  EXPECT_EQ(client.call({"GET", "after"}).describe(), "\"1\"");
}

// RESP keys are binary: a key holding CR, LF, spaces and a whole RESP command is still one key,
// stored under its versioned name, and nothing of it runs as a command upstream.
TEST_F(RedisProtocolTest, KeysWithProtocolBytesCannotInjectCommands) {
  RespClient client(proxyPort());
  ASSERT_EQ(client.call({"SET", "survivor", "1"}).describe(), "OK");
  const std::vector<std::string> keys = {"a\r\nFLUSHALL\r\n", "*1\r\n$8\r\nFLUSHALL\r\n", "b c\td\x01\x7f",
                                         std::string("nul\0byte", 8), "FLUSHALL"};
  for (const std::string& key : keys) {
    EXPECT_EQ(client.call({"SET", key, "v"}).describe(), "OK") << visibleBytes(key);
    EXPECT_EQ(client.call({"GET", key}).describe(), "\"v\"") << visibleBytes(key);
  }
  EXPECT_EQ(client.call({"GET", "survivor"}).describe(), "\"1\"") << "a key's bytes ran as a command";
  const std::string prefix = "~vc:it:all:" + cacheVersion(adminPort(), "all") + ":";
  const auto stored = scanAllKeys(backend().port());
  ASSERT_TRUE(stored.has_value());
  for (const std::string& key : keys) {
    EXPECT_EQ(std::count(stored->begin(), stored->end(), prefix + key), 1) << visibleBytes(key);
  }
  expectNoUnversionedKeys({"all"});
}

// SORT's BY and GET patterns name other keys (`w_*`, `o_*`, `hash->field`): they must be versioned
// like the keys themselves, and cannot be a way around the reserved prefix.
TEST_F(RedisProtocolTest, SortPatternsCannotReachStoreKeys) {
  RespClient client(proxyPort());
  const std::string version = cacheVersion(adminPort(), "all");
  ASSERT_TRUE(isVersion(version)) << version;
  EXPECT_EQ(client.call({"RPUSH", "sl", "s"}).describe(), "(integer) 1");
  // `*` is replaced by the element "s": GET reads field `all` of the hash ~vc:it:!versions.
  const RespReply via_get = client.call({"SORT", "sl", "BY", "nosort", "GET", "~vc:it:!version*->all"});
  EXPECT_TRUE(via_get.value.isError()) << "SORT sl BY nosort GET ~vc:it:!version*->all -> " << via_get.describe();
  EXPECT_EQ(via_get.describe().find(version), std::string::npos)
      << "the version store's hash was read through a SORT GET pattern: " << via_get.describe();
  const RespReply via_by = client.call({"SORT", "sl", "BY", "~vc:it:!version*->all", "ALPHA"});
  EXPECT_TRUE(via_by.value.isError()) << "SORT sl BY ~vc:it:!version*->all ALPHA -> " << via_by.describe();
}

TEST_F(RedisProtocolTest, PipelinedAndSplitDelivery) {
  TextClient client(proxyPort());
  std::string batch;
  for (int i = 0; i < 300; ++i) {
    batch += respCommand({"SET", "p:" + std::to_string(i), std::to_string(i)});
    batch += respCommand({"GET", "p:" + std::to_string(i)});
  }
  ASSERT_TRUE(client.send(batch));
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(client.readLine(), "+OK") << "reply " << i;
    const std::string value = std::to_string(i);
    ASSERT_EQ(client.readLine(), "$" + std::to_string(value.size())) << "reply " << i;
    ASSERT_EQ(client.readLine(), value) << "reply " << i;
  }
  // One byte at a time.
  const std::string slow = respCommand({"SET", "split", "value"}) + respCommand({"GET", "split"}) + "GET split\r\n";
  for (char c : slow) {
    ASSERT_TRUE(client.send(std::string(1, c)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(client.readLine(), "+OK");
  EXPECT_EQ(client.readLine(), "$5");
  EXPECT_EQ(client.readLine(), "value");
  EXPECT_EQ(client.readLine(), "$5");
  EXPECT_EQ(client.readLine(), "value");
}

// A large transaction sent in one write goes through the client's own connection intact.
TEST_F(RedisProtocolTest, LargePipelinedTransaction) {
  TextClient client(proxyPort(), std::chrono::seconds(10));
  std::string batch = respCommand({"MULTI"});
  for (int i = 0; i < 3000; ++i) batch += respCommand({"SET", "tx:" + std::to_string(i), std::string(100, 'v')});
  batch += respCommand({"EXEC"}) + respCommand({"GET", "tx:2999"});
  ASSERT_TRUE(client.send(batch));
  EXPECT_EQ(client.readLine(), "+OK");
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(client.readLine(), "+QUEUED") << i;
  EXPECT_EQ(client.readLine(), "*3000");
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(client.readLine(), "+OK") << i;
  EXPECT_EQ(client.readLine(), "$100");
  EXPECT_EQ(client.readLine(), std::string(100, 'v'));
}

TEST_F(RedisProtocolTest, LargeValues) {
  RespClient client(proxyPort(), std::chrono::milliseconds(10000));
  for (size_t size : {size_t(16 * 1024), size_t(1024 * 1024), size_t(8 * 1024 * 1024)}) {
    std::string value(size, 'x');
    for (size_t i = 0; i < size; i += 997) value[i] = static_cast<char>('a' + (i % 26));
    EXPECT_EQ(client.call({"SET", "big", value}).describe(), "OK") << size;
    const RespReply reply = client.call({"GET", "big"});
    ASSERT_TRUE(reply.ok()) << reply.error;
    EXPECT_EQ(reply.value.text.size(), size);
    EXPECT_TRUE(reply.value.text == value) << "value of " << size << " bytes changed on the way";
  }
  // Many keys in one command and in one reply.
  Strings mset{"MSET"};
  Strings mget{"MGET"};
  for (int i = 0; i < 5000; ++i) {
    mset.push_back("mk:" + std::to_string(i));
    mset.push_back(std::to_string(i));
    mget.push_back("mk:" + std::to_string(i));
  }
  EXPECT_EQ(client.call(mset).describe(), "OK");
  const RespReply values = client.call(mget);
  ASSERT_EQ(values.value.items.size(), 5000u) << values.describe().substr(0, 200);
  for (int i = 0; i < 5000; i += 499) EXPECT_EQ(values.value.items[i].text, std::to_string(i));
  ASSERT_NO_FATAL_FAILURE(expectNoUnversionedKeys({"all"}));
}

}  // namespace
}  // namespace vcproxy::test
