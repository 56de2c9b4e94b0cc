// Lookup in the generated command table, arity, and where replies carry keys.
#include <algorithm>

#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::codec {
namespace {

// Orders a table name (lowercase) against a client's name of any case, bytewise.
int compareIgnoreCase(std::string_view table_name, std::string_view name) {
  const size_t n = std::min(table_name.size(), name.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = static_cast<unsigned char>(table_name[i]);
    const unsigned char b = static_cast<unsigned char>(asciiLower(name[i]));
    if (a != b) return a < b ? -1 : 1;
  }
  if (table_name.size() == name.size()) return 0;
  return table_name.size() < name.size() ? -1 : 1;
}

const RedisCommand* findIn(std::span<const RedisCommand> table, std::string_view name) {
  const auto it = std::lower_bound(table.begin(), table.end(), name, [](const RedisCommand& command, std::string_view n) {
    return compareIgnoreCase(command.name, n) < 0;
  });
  if (it == table.end() || compareIgnoreCase(it->name, name) != 0) return nullptr;
  return &*it;
}

bool isArrayLike(RespType type) { return type == RespType::kArray || type == RespType::kSet || type == RespType::kPush; }

}  // namespace

const RedisCommand* findRedisCommand(std::string_view name, std::string_view subcommand) {
  const RedisCommand* command = findIn(redisCommands(), name);
  if (command == nullptr || command->subcommand_count == 0 || subcommand.empty()) return command;
  return findIn(command->subcommandList(), subcommand);
}

bool checkRedisArity(const RedisCommand& command, size_t argc) {
  const int64_t n = static_cast<int64_t>(argc);
  return command.arity >= 0 ? n == command.arity : n >= -static_cast<int64_t>(command.arity);
}

bool isReplyKeyPath(RedisReplyKeys kind, RespPath path) {
  switch (kind) {
    case RedisReplyKeys::kNone:
      return false;
    case RedisReplyKeys::kWhole:
      return path.empty();
    case RedisReplyKeys::kEachElement:
      return path.size() == 1 && isArrayLike(path[0].parent);
    case RedisReplyKeys::kFirstElement:
      return path.size() == 1 && isArrayLike(path[0].parent) && path[0].index == 0;
    case RedisReplyKeys::kScan:
      return path.size() == 2 && path[0].index == 1 && isArrayLike(path[1].parent);
    case RedisReplyKeys::kFirstOfEachElement:
      // RESP2: [[key, ...], ...]; RESP3 XREAD: {key: entries, ...}.
      if (path.size() == 1) return path[0].parent == RespType::kMap && path[0].index % 2 == 0;
      return path.size() == 2 && isArrayLike(path[0].parent) && path[1].index == 0;
  }
  return false;
}

}  // namespace vcproxy::codec
