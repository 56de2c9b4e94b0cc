#include "proxy/codec/redis_commands.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/codec/resp_alloc_probe.h"

namespace vcproxy::codec {
namespace {

using Positions = std::optional<std::vector<uint32_t>>;  // nullopt: the arguments cannot be read

const RedisCommand& command(std::vector<std::string_view> args) {
  const RedisCommand* found = findRedisCommand(args[0], args.size() > 1 ? args[1] : std::string_view{});
  if (found == nullptr) throw std::runtime_error("no command " + std::string(args[0]));
  return *found;
}

Positions keysOf(std::vector<std::string_view> args) {
  std::vector<uint32_t> positions = {99};  // must be cleared
  if (!findKeyPositions(command(args), args, positions)) {
    EXPECT_TRUE(positions.empty());
    return std::nullopt;
  }
  return positions;
}

Positions keys(std::vector<uint32_t> p) { return p; }
const Positions kMalformed = std::nullopt;

TEST(RedisCommandsTest, TableHasEveryRedis70Command) {
  size_t subcommands = 0;
  for (const RedisCommand& c : redisCommands()) subcommands += c.subcommand_count;
  EXPECT_EQ(redisCommands().size(), 240u);  // redis-server 7.0.15: COMMAND COUNT
  EXPECT_EQ(subcommands, 126u);
}

TEST(RedisCommandsTest, EveryEntryIsFoundByItsNameInAnyCase) {
  for (const RedisCommand& c : redisCommands()) {
    std::string upper(c.name);
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(findRedisCommand(upper), &c) << c.name;
    for (const RedisCommand& sub : c.subcommandList()) {
      EXPECT_EQ(findRedisCommand(c.name, sub.name), &sub) << c.name << " " << sub.name;
      EXPECT_EQ(sub.parent, c.name);
    }
  }
}

TEST(RedisCommandsTest, Lookup) {
  EXPECT_EQ(findRedisCommand("GeT")->name, "get");
  EXPECT_EQ(findRedisCommand("get", "anything")->name, "get");  // no subcommands: ignored
  const RedisCommand* config_get = findRedisCommand("CONFIG", "Get");
  ASSERT_NE(config_get, nullptr);
  EXPECT_EQ(config_get->parent, "config");
  EXPECT_EQ(config_get->name, "get");
  EXPECT_EQ(findRedisCommand("config")->subcommand_count, 5u);  // get help resetstat rewrite set
  EXPECT_EQ(findRedisCommand("config", "nosuch"), nullptr);
  EXPECT_EQ(findRedisCommand("nosuch"), nullptr);
  EXPECT_EQ(findRedisCommand(""), nullptr);
  EXPECT_EQ(findRedisCommand("ge"), nullptr);
  EXPECT_EQ(findRedisCommand("gett"), nullptr);
  EXPECT_EQ(findRedisCommand(std::string_view("get\0", 4)), nullptr);
  EXPECT_NE(findRedisCommand("xinfo", "STREAM"), nullptr);
  EXPECT_NE(findRedisCommand("client", "kill"), nullptr);
  EXPECT_NE(findRedisCommand("restore-asking"), nullptr);
  EXPECT_NE(findRedisCommand("georadius_ro"), nullptr);
}

TEST(RedisCommandsTest, LookupAllocatesNothing) {
  test_support::resetAllocations();
  EXPECT_NE(findRedisCommand("ZUNIONSTORE"), nullptr);
  EXPECT_NE(findRedisCommand("Object", "ENCODING"), nullptr);
  EXPECT_EQ(test_support::allocationCount(), 0u);
}

TEST(RedisCommandsTest, ArityAndFlags) {
  const RedisCommand& get = *findRedisCommand("get");
  EXPECT_TRUE(checkRedisArity(get, 2));
  EXPECT_FALSE(checkRedisArity(get, 3));
  const RedisCommand& set = *findRedisCommand("set");
  EXPECT_FALSE(checkRedisArity(set, 2));
  EXPECT_TRUE(checkRedisArity(set, 3));
  EXPECT_TRUE(checkRedisArity(set, 7));
  EXPECT_TRUE(get.hasFlag(kCmdReadonly) && get.hasFlag(kCmdFast) && !get.hasFlag(kCmdWrite));
  EXPECT_TRUE(set.hasFlag(kCmdWrite) && set.hasFlag(kCmdDenyoom));
  EXPECT_TRUE(findRedisCommand("blpop")->hasFlag(kCmdBlocking));
  EXPECT_TRUE(findRedisCommand("subscribe")->hasFlag(kCmdPubsub));
  EXPECT_TRUE(findRedisCommand("eval")->hasFlag(kCmdNoscript));
  EXPECT_TRUE(findRedisCommand("eval")->hasFlag(kCmdMovablekeys));
  EXPECT_TRUE(findRedisCommand("config", "set")->hasFlag(kCmdAdmin));
  EXPECT_TRUE(findRedisCommand("multi")->hasFlag(kCmdNoscript));
  EXPECT_EQ(get.group, "string");
  EXPECT_EQ(findRedisCommand("xinfo", "stream")->group, "stream");
  EXPECT_EQ(get.key_specs.size(), 1u);
  EXPECT_EQ(get.key_specs[0].flags, kKeyRO | kKeyAccess);
}

TEST(RedisCommandsTest, KeySpecsAsRedisReportsThem) {
  const RedisCommand& eval = *findRedisCommand("eval");
  ASSERT_EQ(eval.key_specs.size(), 1u);
  EXPECT_EQ(eval.key_specs[0].begin_search, RedisBeginSearch::kIndex);
  EXPECT_EQ(eval.key_specs[0].index, 2);
  EXPECT_EQ(eval.key_specs[0].find_keys, RedisFindKeys::kKeynum);
  EXPECT_EQ(eval.key_specs[0].firstkey, 1);
  const RedisCommand& xread = *findRedisCommand("xread");
  EXPECT_EQ(xread.key_specs[0].keyword, "STREAMS");
  EXPECT_EQ(xread.key_specs[0].limit, 2);
  EXPECT_EQ(findRedisCommand("migrate")->key_specs[1].startfrom, -2);
  EXPECT_TRUE(findRedisCommand("spublish")->key_specs[0].flags & kKeyNotKey);
}

TEST(RedisCommandsTest, SpecialCasesAreMarked) {
  EXPECT_EQ(findRedisCommand("sort")->key_proc, RedisKeyProc::kSort);
  EXPECT_TRUE(findRedisCommand("sort")->isSpecial(kSpecialKeyPattern));
  EXPECT_TRUE(findRedisCommand("keys")->isSpecial(kSpecialKeyPattern));
  EXPECT_TRUE(findRedisCommand("scan")->isSpecial(kSpecialKeyPattern));
  EXPECT_TRUE(findRedisCommand("fcall_ro")->isSpecial(kSpecialScript));
  EXPECT_TRUE(findRedisCommand("command", "getkeys")->isSpecial(kSpecialNestedCommand));
  EXPECT_TRUE(findRedisCommand("client", "tracking")->isSpecial(kSpecialKeyPrefix));
  EXPECT_TRUE(findRedisCommand("select")->isSpecial(kSpecialConnectionState));
  EXPECT_EQ(findRedisCommand("get")->special, 0);
  EXPECT_EQ(findRedisCommand("blmpop")->reply_keys, RedisReplyKeys::kFirstElement);
  EXPECT_EQ(findRedisCommand("scan")->reply_keys, RedisReplyKeys::kScan);
  EXPECT_EQ(findRedisCommand("get")->reply_keys, RedisReplyKeys::kNone);
}

// Expected positions checked with COMMAND GETKEYS on redis-server 7.0.15, except where the
// command's own parser disagrees with it (marked "parser").
TEST(RedisCommandsTest, KeyPositionsOfSimpleCommands) {
  EXPECT_EQ(keysOf({"GET", "k"}), keys({1}));
  EXPECT_EQ(keysOf({"get", "k"}), keys({1}));
  EXPECT_EQ(keysOf({"MSET", "a", "1", "b", "2"}), keys({1, 3}));
  EXPECT_EQ(keysOf({"MSET", "a", "1", "b"}), keys({1, 3}));
  EXPECT_EQ(keysOf({"DEL", "a", "b", "c"}), keys({1, 2, 3}));
  EXPECT_EQ(keysOf({"OBJECT", "ENCODING", "k"}), keys({2}));
  EXPECT_EQ(keysOf({"XGROUP", "CREATE", "s", "g", "0"}), keys({2}));
  EXPECT_EQ(keysOf({"BITOP", "AND", "d", "a", "b"}), keys({2, 3, 4}));
  EXPECT_EQ(keysOf({"COPY", "a", "b", "DB", "1"}), keys({1, 2}));
  EXPECT_EQ(keysOf({"SMOVE", "a", "b", "m"}), keys({1, 2}));
  EXPECT_EQ(keysOf({"RENAME", "a", "b"}), keys({1, 2}));
  EXPECT_EQ(keysOf({"PFMERGE", "d", "a", "b"}), keys({1, 2, 3}));
  EXPECT_EQ(keysOf({"MEMORY", "USAGE", "k"}), keys({2}));
  EXPECT_EQ(keysOf({"SET", "k", "v", "GET"}), keys({1}));
  EXPECT_EQ(keysOf({"PING"}), keys({}));
  EXPECT_EQ(keysOf({"SPUBLISH", "channel", "msg"}), keys({}));  // NOT_KEY: a shard channel
  EXPECT_EQ(keysOf({"GET"}), kMalformed);                         // fails arity at the server
  EXPECT_EQ(keysOf({"OBJECT", "ENCODING"}), kMalformed);
}

TEST(RedisCommandsTest, KeyPositionsWithNumkeys) {
  EXPECT_EQ(keysOf({"EVAL", "s", "0"}), keys({}));
  EXPECT_EQ(keysOf({"EVAL", "s", "0", "arg"}), keys({}));
  EXPECT_EQ(keysOf({"EVAL", "s", "2", "a", "b", "c"}), keys({3, 4}));
  EXPECT_EQ(keysOf({"EVALSHA_RO", "sha", "1", "a"}), keys({3}));
  EXPECT_EQ(keysOf({"FCALL", "f", "2", "a", "b"}), keys({3, 4}));
  EXPECT_EQ(keysOf({"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}), keys({1, 3, 4}));
  EXPECT_EQ(keysOf({"ZUNION", "2", "a", "b", "WITHSCORES"}), keys({2, 3}));
  EXPECT_EQ(keysOf({"ZDIFFSTORE", "d", "1", "d"}), keys({1, 3}));
  EXPECT_EQ(keysOf({"LMPOP", "2", "a", "b", "LEFT"}), keys({2, 3}));
  EXPECT_EQ(keysOf({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"}), keys({3, 4}));
  EXPECT_EQ(keysOf({"BZMPOP", "0.5", "1", "z", "MIN"}), keys({3}));
  EXPECT_EQ(keysOf({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}), keys({2, 3}));
}

TEST(RedisCommandsTest, MalformedNumkeysNeverReadsPastTheArguments) {
  EXPECT_EQ(keysOf({"EVAL", "s", "3", "a", "b"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "-1", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "x", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "01", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", " 1", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "2147483648", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "9223372036854775807", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "99999999999999999999", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s", "-9223372036854775808", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"EVAL", "s"}), kMalformed);  // no numkeys at all
  EXPECT_EQ(keysOf({"ZUNIONSTORE", "d", "3", "a", "b"}), kMalformed);
  EXPECT_EQ(keysOf({"ZUNIONSTORE", "d"}), kMalformed);
  EXPECT_EQ(keysOf({"LMPOP", "5", "a", "LEFT"}), kMalformed);
  EXPECT_EQ(keysOf({"BLMPOP", "0", "-2", "a", "b"}), kMalformed);
  EXPECT_EQ(keysOf({"ZINTERCARD", "4294967297", "a"}), kMalformed);
}

TEST(RedisCommandsTest, KeyPositionsOfXread) {
  EXPECT_EQ(keysOf({"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"}), keys({4, 5}));
  EXPECT_EQ(keysOf({"XREAD", "STREAMS", "a", "0"}), keys({2}));
  EXPECT_EQ(keysOf({"XREAD", "streams", "streams", "0"}), keys({2}));
  EXPECT_EQ(keysOf({"XREAD", "BLOCK", "0", "STREAMS", "a", "$"}), keys({4}));
  EXPECT_EQ(keysOf({"XREAD", "STREAMS", "a", "b", "0"}), kMalformed);  // unbalanced
  EXPECT_EQ(keysOf({"XREAD", "COUNT", "1"}), kMalformed);               // no STREAMS
  EXPECT_EQ(keysOf({"XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"}), kMalformed);
  EXPECT_EQ(keysOf({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">"}), keys({5}));
  EXPECT_EQ(keysOf({"XREADGROUP", "GROUP", "g", "STREAMS", "STREAMS", "k", ">"}), keys({5}));
  // parser: options may precede GROUP (COMMAND GETKEYS answers position 6, "STREAMS").
  EXPECT_EQ(keysOf({"XREADGROUP", "COUNT", "1", "GROUP", "g", "STREAMS", "STREAMS", "k", ">"}), keys({7}));
  EXPECT_EQ(keysOf({"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", "b", "0", "0"}), keys({6, 7}));
  EXPECT_EQ(keysOf({"XREADGROUP", "STREAMS", "a", ">"}), kMalformed);  // GROUP is mandatory
  // The server reads options as C strings: "STREAMS\0x" is the STREAMS keyword to it.
  EXPECT_EQ(keysOf({"XREAD", std::string_view("STREAMS\0x", 9), "a", "0"}), keys({2}));
}

TEST(RedisCommandsTest, KeyPositionsOfMigrate) {
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "k", "0", "5000"}), keys({3}));
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "k", "0", "5000", "COPY", "REPLACE"}), keys({3}));
  // KEYS form: the empty key argument is not a key and must stay empty.
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "", "0", "5000", "KEYS", "a", "b"}), keys({7, 8}));
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "", "0", "5000", "KEYS", "a", "KEYS", "b"}), keys({7, 8, 9}));
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "keys", "KEYS", "a"}), keys({9}));
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "", "0", "5000", "AUTH2", "u", "KEYS", "KEYS", "a"}), keys({10}));
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "k", "0", "5000", "KEYS", "a"}), kMalformed);
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "k", "0", "5000", "BOGUS"}), kMalformed);
  EXPECT_EQ(keysOf({"MIGRATE", "h", "6379", "k", "0", "5000", "AUTH"}), kMalformed);
}

TEST(RedisCommandsTest, KeyPositionsOfSort) {
  EXPECT_EQ(keysOf({"SORT", "l"}), keys({1}));
  EXPECT_EQ(keysOf({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*", "LIMIT", "0", "10", "STORE", "dst"}),
            keys({1, 12}));
  EXPECT_EQ(keysOf({"SORT", "l", "STORE", "d1", "STORE", "d2"}), keys({1, 5}));
  // parser: STORE takes its argument, so the destination is x (COMMAND GETKEYS says GET).
  EXPECT_EQ(keysOf({"SORT", "l", "STORE", "GET", "STORE", "x"}), keys({1, 5}));
  EXPECT_EQ(keysOf({"SORT", "l", "LIMIT", "store", "x", "STORE", "y"}), keys({1, 6}));
  EXPECT_EQ(keysOf({"SORT", "l", "ASC", "ALPHA", "DESC"}), keys({1}));
  EXPECT_EQ(keysOf({"SORT", "l", "STORE"}), kMalformed);
  EXPECT_EQ(keysOf({"SORT", "l", "NOSUCH"}), kMalformed);
  EXPECT_EQ(keysOf({"SORT_RO", "l", "BY", "x"}), keys({1}));
  EXPECT_EQ(keysOf({"SORT_RO", "l", "STORE", "x"}), kMalformed);  // SORT_RO has no STORE
}

TEST(RedisCommandsTest, SortPatterns) {
  std::vector<uint32_t> positions;
  const std::vector<std::string_view> args = {"SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*->f", "GET", "fixed",
                                              "STORE", "d"};
  ASSERT_TRUE(findSortPatterns(args, positions));
  EXPECT_EQ(positions, (std::vector<uint32_t>{3, 7}));  // `#` and a pattern without '*' name no key
  const std::vector<std::string_view> nosort = {"SORT_RO", "l", "BY", "nosort", "GET", std::string_view("a\0*", 3)};
  ASSERT_TRUE(findSortPatterns(nosort, positions));
  EXPECT_TRUE(positions.empty());
  const std::vector<std::string_view> bad = {"SORT", "l", "BY"};
  EXPECT_FALSE(findSortPatterns(bad, positions));
}

TEST(RedisCommandsTest, KeyPositionsOfGeoradius) {
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m"}), keys({1}));
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "WITHDIST", "COUNT", "5", "ANY", "ASC"}), keys({1}));
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "STORE", "d"}), keys({1, 7}));
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "STOREDIST", "d"}), keys({1, 7}));
  // parser: the last STORE/STOREDIST wins (the key specs would take the first, d).
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "STORE", "a", "STORE", "b"}), keys({1, 9}));
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "STORE", "d", "STOREDIST", "e"}), keys({1, 9}));
  EXPECT_EQ(keysOf({"GEORADIUS", "k", "1", "2", "3", "m", "BOGUS"}), kMalformed);
  EXPECT_EQ(keysOf({"GEORADIUSBYMEMBER", "k", "m", "3", "km", "STORE", "d"}), keys({1, 6}));
  EXPECT_EQ(keysOf({"GEORADIUS_RO", "k", "1", "2", "3", "m"}), keys({1}));
}

// The generic key-spec path on the specs of the commands that have their own parser: what
// COMMAND GETKEYS answers (redis-server 7.0.15), and why those commands need the parser.
Positions keysBySpecs(std::vector<std::string_view> args) {
  RedisCommand specs_only = command(args);
  specs_only.key_proc = RedisKeyProc::kKeySpecs;
  std::vector<uint32_t> positions;
  if (!findKeyPositions(specs_only, args, positions)) return std::nullopt;
  return positions;
}

TEST(RedisCommandsTest, KeySpecsAppliedAsRedisDoes) {
  // keyword STREAMS from 1, range lastkey -1 limit 2: half of what follows the keyword.
  EXPECT_EQ(keysBySpecs({"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"}), keys({4, 5}));
  EXPECT_EQ(keysBySpecs({"XREAD", "STREAMS", "a", "b", "0"}), keys({2}));
  EXPECT_EQ(keysBySpecs({"XREAD", "COUNT", "1", "STREAMS"}), keys({}));  // keyword last: not searched
  EXPECT_EQ(keysBySpecs({"XREADGROUP", "COUNT", "1", "GROUP", "g", "STREAMS", "STREAMS", "k", ">"}), keys({6}));
  // MIGRATE: index 3, then keyword KEYS searched backwards from argc - 2.
  EXPECT_EQ(keysBySpecs({"MIGRATE", "h", "6379", "", "0", "5000", "KEYS", "a", "KEYS", "b"}), keys({3, 9}));
  EXPECT_EQ(keysBySpecs({"MIGRATE", "h", "6379", "k", "0", "5000"}), keys({3}));
  // GEORADIUS: the first STORE and the first STOREDIST, from 6 on.
  EXPECT_EQ(keysBySpecs({"GEORADIUS", "k", "1", "2", "3", "m", "STORE", "a", "STORE", "b"}), keys({1, 7}));
  EXPECT_EQ(keysBySpecs({"GEORADIUS", "k", "1", "2", "3", "m", "STORE", "d", "STOREDIST", "e"}), keys({1, 7, 9}));
  EXPECT_EQ(keysBySpecs({"GEORADIUS", "k", "1", "2", "3", "STORE", "x"}), keys({1}));  // before 6: not searched
  // SORT: its STORE spec is "unknown", which only a parser can read.
  EXPECT_EQ(keysBySpecs({"SORT", "l", "STORE", "x"}), kMalformed);
}

TEST(RedisCommandsTest, EveryCommandIsSafeOnArbitraryArguments) {
  // Random argument lists, many of them numbers and keywords: positions stay inside the list.
  const std::vector<std::string_view> words = {"0", "1", "2", "3", "-1", "100", "99999999999", "x", "", "STREAMS",
                                               "KEYS", "STORE", "STOREDIST", "GROUP", "AUTH", "LIMIT", "BY", "GET"};
  std::mt19937 rng(7);
  std::vector<uint32_t> positions;
  size_t with_keys = 0;
  for (const RedisCommand& top : redisCommands()) {
    std::vector<const RedisCommand*> all = {&top};
    for (const RedisCommand& sub : top.subcommandList()) all.push_back(&sub);
    for (const RedisCommand* c : all) {
      for (int round = 0; round < 200; ++round) {
        std::vector<std::string_view> args = {c->parent.empty() ? c->name : c->parent};
        if (!c->parent.empty()) args.push_back(c->name);
        const size_t extra = rng() % 10;
        for (size_t i = 0; i < extra; ++i) args.push_back(words[rng() % words.size()]);
        if (findKeyPositions(*c, args, positions)) with_keys += positions.empty() ? 0 : 1;
        for (uint32_t p : positions) ASSERT_LT(p, args.size()) << c->name;
      }
    }
  }
  EXPECT_GT(with_keys, 1000u);
}

TEST(RedisCommandsTest, KeyPositionsAllocateNothingOnceWarm) {
  std::vector<uint32_t> positions;
  positions.reserve(16);
  const std::vector<std::string_view> args = {"ZUNIONSTORE", "d", "2", "a", "b"};
  const RedisCommand& zunionstore = *findRedisCommand("zunionstore");
  test_support::resetAllocations();
  ASSERT_TRUE(findKeyPositions(zunionstore, args, positions));
  EXPECT_EQ(test_support::allocationCount(), 0u);
}

TEST(RedisCommandsTest, ReplyKeyPaths) {
  const RespPathStep array0{0, RespType::kArray};
  const RespPathStep array1{1, RespType::kArray};
  const RespPathStep map0{0, RespType::kMap};
  const RespPathStep map1{1, RespType::kMap};
  using Path = std::vector<RespPathStep>;
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kWhole, Path{}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kWhole, Path{array0}));
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kEachElement, Path{array1}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kEachElement, Path{array1, array0}));
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kFirstElement, Path{array0}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kFirstElement, Path{array1}));
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kScan, Path{array1, array0}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kScan, Path{array0}));
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kFirstOfEachElement, Path{array1, array0}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kFirstOfEachElement, Path{array1, array1}));
  EXPECT_TRUE(isReplyKeyPath(RedisReplyKeys::kFirstOfEachElement, Path{map0}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kFirstOfEachElement, Path{map1}));
  EXPECT_FALSE(isReplyKeyPath(RedisReplyKeys::kNone, Path{}));
}

TEST(RedisCommandsTest, RestoresXreadReplyWithTheTable) {
  // RESP3 XREAD as redis-server 7.0.15 sends it, restored with the table's reply kind.
  const std::string reply =
      "%2\r\n$5\r\n~vc:s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$5\r\n~vc:t\r\n*1\r\n*2\r\n"
      "$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n";
  const RedisReplyKeys kind = findRedisCommand("XREAD")->reply_keys;
  std::string out;
  const RespRewriteResult result = rewriteBulkStrings(
      reply,
      [kind](RespPath path, std::string_view value) -> std::optional<std::string_view> {
        if (!isReplyKeyPath(kind, path)) return std::nullopt;
        return value.substr(4);
      },
      out);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.rewritten, 2u);
  EXPECT_EQ(out.substr(0, 11), "%2\r\n$1\r\ns\r\n");
}

}  // namespace
}  // namespace vcproxy::codec
