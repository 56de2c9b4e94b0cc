// The Redis 7 command table: every command and subcommand with its arity, flags and key specs
// (COMMAND INFO), its group (COMMAND DOCS), and what the proxy must know beyond them.
//
// The data lives in redis_commands.cc, generated from a live redis-server by
// scripts/redis/gen_command_table.py; the special cases it adds are listed there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "proxy/codec/resp_reply.h"

namespace vcproxy::codec {

// Command flags, as COMMAND reports them.
inline constexpr uint32_t kCmdWrite = 1u << 0;
inline constexpr uint32_t kCmdReadonly = 1u << 1;
inline constexpr uint32_t kCmdDenyoom = 1u << 2;
inline constexpr uint32_t kCmdAdmin = 1u << 3;
inline constexpr uint32_t kCmdPubsub = 1u << 4;
inline constexpr uint32_t kCmdNoscript = 1u << 5;
inline constexpr uint32_t kCmdBlocking = 1u << 6;
inline constexpr uint32_t kCmdLoading = 1u << 7;
inline constexpr uint32_t kCmdStale = 1u << 8;
inline constexpr uint32_t kCmdSkipMonitor = 1u << 9;
inline constexpr uint32_t kCmdSkipSlowlog = 1u << 10;
inline constexpr uint32_t kCmdAsking = 1u << 11;
inline constexpr uint32_t kCmdFast = 1u << 12;
inline constexpr uint32_t kCmdNoAuth = 1u << 13;
inline constexpr uint32_t kCmdNoMandatoryKeys = 1u << 14;
inline constexpr uint32_t kCmdMovablekeys = 1u << 15;  // key positions depend on the arguments
inline constexpr uint32_t kCmdNoMulti = 1u << 16;
inline constexpr uint32_t kCmdAllowBusy = 1u << 17;
inline constexpr uint32_t kCmdNoAsyncLoading = 1u << 18;

// Key-spec flags: how the command uses the keys a spec finds.
inline constexpr uint16_t kKeyRO = 1u << 0;
inline constexpr uint16_t kKeyRW = 1u << 1;
inline constexpr uint16_t kKeyOW = 1u << 2;
inline constexpr uint16_t kKeyRM = 1u << 3;
inline constexpr uint16_t kKeyAccess = 1u << 4;
inline constexpr uint16_t kKeyUpdate = 1u << 5;
inline constexpr uint16_t kKeyInsert = 1u << 6;
inline constexpr uint16_t kKeyDelete = 1u << 7;
inline constexpr uint16_t kKeyNotKey = 1u << 8;  // a shard channel, not a key: never rewritten
inline constexpr uint16_t kKeyIncomplete = 1u << 9;
inline constexpr uint16_t kKeyVariableFlags = 1u << 10;

enum class RedisBeginSearch : uint8_t { kUnknown, kIndex, kKeyword };
enum class RedisFindKeys : uint8_t { kUnknown, kRange, kKeynum };

// One Redis 7 key spec. Positions count the command name as 0.
struct RedisKeySpec {
  uint16_t flags = 0;
  RedisBeginSearch begin_search = RedisBeginSearch::kUnknown;
  int32_t index = 0;         // kIndex: the first key's position
  std::string_view keyword;  // kKeyword: the first key follows this (case-insensitive) word,
  int32_t startfrom = 0;     // searched from here; negative: from argc + startfrom, backwards
  RedisFindKeys find_keys = RedisFindKeys::kUnknown;
  int32_t lastkey = 0;    // kRange: last key, relative to the first; negative: from the end
  int32_t keystep = 1;    // kRange and kKeynum: distance between keys
  int32_t limit = 0;      // kRange with lastkey -1: only the first (argc - first) / limit args
  int32_t keynumidx = 0;  // kKeynum: the key count's position, relative to the first
  int32_t firstkey = 0;   // kKeynum: the first key's position, relative to the first
};

// How findKeyPositions finds a command's keys. The key specs describe most commands exactly;
// for these the specs are unknown, incomplete or read differently from the command's own
// parser (checked on redis-server 7.0.15), so the parser's rules are followed instead.
enum class RedisKeyProc : uint8_t {
  kKeySpecs,
  kSort,       // SORT: STORE may appear anywhere, the last one wins (spec "unknown")
  kSortRo,     // SORT_RO: the sorted key only (BY/GET patterns: findSortPatterns)
  kMigrate,    // MIGRATE: the KEYS form has an empty key argument that must stay empty
  kGeoradius,  // GEORADIUS[BYMEMBER]: the last STORE or STOREDIST wins (specs take the first)
  kXread,      // XREAD[GROUP]: options in any order, GROUP's names may read "STREAMS"
};

// What the proxy must handle itself, beyond rewriting the keys findKeyPositions returns.
inline constexpr uint16_t kSpecialKeyPattern = 1u << 0;      // glob patterns over key names:
                                                             // KEYS, SCAN MATCH, SORT BY/GET
inline constexpr uint16_t kSpecialScript = 1u << 1;          // scripts may name undeclared keys
inline constexpr uint16_t kSpecialNestedCommand = 1u << 2;   // COMMAND GETKEYS: args[2..] are a command
inline constexpr uint16_t kSpecialKeyPrefix = 1u << 3;       // CLIENT TRACKING PREFIX: key prefixes
inline constexpr uint16_t kSpecialUndeclaredKey = 1u << 4;   // takes key names without key specs
inline constexpr uint16_t kSpecialWholeKeyspace = 1u << 5;   // acts on every key of a database
inline constexpr uint16_t kSpecialConnectionState = 1u << 6; // changes the state of its connection

// Where a command's reply carries keys (to restore to the client's names); see isReplyKeyPath.
enum class RedisReplyKeys : uint8_t {
  kNone,
  kWhole,               // the reply is a key (RANDOMKEY)
  kEachElement,         // every element of the top array (KEYS, COMMAND GETKEYS)
  kFirstElement,        // element 0 (BLPOP, BLMPOP, LMPOP, BZPOPMIN, BZMPOP, ZMPOP)
  kScan,                // every element of element 1 (SCAN)
  kFirstOfEachElement,  // element 0 of each element, or each key of a RESP3 map (XREAD)
};

struct RedisCommand {
  std::string_view name;    // lowercase; for a subcommand its own name ("get" of CONFIG GET)
  std::string_view parent;  // for a subcommand, its container ("config"); else empty
  int32_t arity = 0;        // N: exactly N arguments; -N: at least N (the name counts)
  uint32_t flags = 0;
  std::span<const RedisKeySpec> key_specs;
  RedisKeyProc key_proc = RedisKeyProc::kKeySpecs;
  uint16_t special = 0;
  RedisReplyKeys reply_keys = RedisReplyKeys::kNone;
  std::string_view group;  // COMMAND DOCS group: "string", "generic", "server"...
  const RedisCommand* subcommands = nullptr;  // sorted by name
  uint32_t subcommand_count = 0;

  bool hasFlag(uint32_t flag) const { return (flags & flag) != 0; }
  bool isSpecial(uint16_t kind) const { return (special & kind) != 0; }
  std::span<const RedisCommand> subcommandList() const { return {subcommands, subcommand_count}; }
};

// Every top-level command, sorted by name.
std::span<const RedisCommand> redisCommands();

// Case-insensitive lookup, without allocation. For a container (CONFIG, CLIENT, XINFO...):
// with an empty `subcommand` the container itself, else the subcommand or nullptr when the
// container has no such subcommand. `subcommand` is ignored for other commands, so a caller can
// pass args[1] whenever there is one. nullptr: no such command in Redis 7.0.
const RedisCommand* findRedisCommand(std::string_view name, std::string_view subcommand = {});

// Redis' own arity check (the name counts as an argument).
bool checkRedisArity(const RedisCommand& command, size_t argc);

// Fills `positions` with the positions of the keys in `args` (args[0] is the command name), in
// key-spec order; a key may appear twice (ZUNIONSTORE d 1 d). Specs flagged NOT_KEY (shard
// channels) are skipped. Never reads outside `args`. Returns false, with `positions` empty, when
// the arguments cannot be read (a bad or too large numkeys, a key position past the end, an
// option the command rejects): the server would refuse the command with an error.
bool findKeyPositions(const RedisCommand& command, std::span<const std::string_view> args,
                      std::vector<uint32_t>& positions);

// SORT and SORT_RO: positions of the BY and GET patterns, whose '*' is replaced by the sorted
// values to name other keys (`GET #` and a BY without '*' name no key and are left out).
// Returns false, with `positions` empty, when SORT would refuse the arguments.
bool findSortPatterns(std::span<const std::string_view> args, std::vector<uint32_t>& positions);

// Whether the bulk string at `path` of a reply of this kind is a key. For EXEC, pass the path
// without its first step to the kind of the command at that index.
bool isReplyKeyPath(RedisReplyKeys kind, RespPath path);

}  // namespace vcproxy::codec
