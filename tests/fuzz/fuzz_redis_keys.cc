// libFuzzer target: the Redis command table lookups and key finding on argument lists made from
// the input: one argument per line ('\n'), the first the command name. A first argument "@N"
// picks command N of the table (and a second "@M" its subcommand M), so every command is reached
// without knowing its name. Each argument is an exactly sized heap copy, so reading past one is
// a heap overflow. Checks: lookups are case-insensitive and name what was asked; key and pattern
// positions are within the arguments (never the command name), empty on failure; SORT's patterns
// contain a '*' as the server reads them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "proxy/codec/redis_commands.h"
#include "proxy/codec/resp_text.h"

namespace vcproxy::fuzz {
namespace {

using codec::RedisCommand;

// Argument bytes, each in its own allocation of exactly its size.
class Args {
 public:
  void add(std::string_view arg) {
    auto copy = std::make_unique<char[]>(arg.size());
    std::copy(arg.begin(), arg.end(), copy.get());
    storage_.push_back(std::move(copy));
    sizes_.push_back(arg.size());
  }
  // The views, in a vector of exactly their number.
  std::vector<std::string_view> views() const {
    std::vector<std::string_view> out;
    out.reserve(storage_.size());
    for (size_t i = 0; i < storage_.size(); ++i) out.emplace_back(storage_[i].get(), sizes_[i]);
    out.shrink_to_fit();
    return out;
  }

 private:
  std::vector<std::unique_ptr<char[]>> storage_;
  std::vector<size_t> sizes_;
};

// "@N" with N decimal digits: the table index N; else nullopt.
bool tableIndex(std::string_view arg, size_t& index) {
  if (arg.size() < 2 || arg.size() > 6 || arg[0] != '@') return false;
  index = 0;
  for (const char c : arg.substr(1)) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

std::vector<std::string> splitLines(std::string_view input) {
  std::vector<std::string> lines;
  for (size_t start = 0;;) {
    const size_t end = input.find('\n', start);
    lines.emplace_back(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

// Replaces "@N" (and "@M" after a container) by the names of the table's entries.
void resolveTableIndexes(std::vector<std::string>& args) {
  size_t index = 0;
  if (!tableIndex(args[0], index)) return;
  const auto table = codec::redisCommands();
  const RedisCommand& command = table[index % table.size()];
  args[0] = std::string(command.name);
  if (args.size() < 2 || command.subcommand_count == 0 || !tableIndex(args[1], index)) return;
  args[1] = std::string(command.subcommandList()[index % command.subcommand_count].name);
}

void checkLookup(const RedisCommand* command, std::span<const std::string_view> args) {
  const std::string_view sub = args.size() > 1 ? args[1] : std::string_view();
  const RedisCommand* top = codec::findRedisCommand(args[0]);
  if (command == nullptr) {
    require(top == nullptr || (top->subcommand_count > 0 && !sub.empty()), "only a subcommand can be missing");
    return;
  }
  require(top != nullptr, "a found subcommand has a container");
  require(codec::equalsIgnoreCase(top->name, args[0]), "the lookup names the command asked for");
  if (command != top) {
    require(command->parent == top->name && codec::equalsIgnoreCase(command->name, sub),
            "a subcommand lookup names the subcommand asked for");
  }
  std::string upper(args[0]);
  for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  require(codec::findRedisCommand(upper, sub) == command, "lookups ignore case");
}

void checkPositions(bool ok, const std::vector<uint32_t>& positions, size_t argc, uint32_t lowest) {
  if (!ok) require(positions.empty(), "a failed search leaves no positions");
  for (const uint32_t position : positions) {
    require(position >= lowest && position < argc, "positions are within the arguments");
  }
}

void checkKeys(std::span<const std::string_view> args) {
  const std::string_view sub = args.size() > 1 ? args[1] : std::string_view();
  const RedisCommand* command = codec::findRedisCommand(args[0], sub);
  checkLookup(command, args);
  std::vector<uint32_t> positions = {7, 7, 7};  // filled with junk: the search clears it
  if (command != nullptr) {
    (void)codec::checkRedisArity(*command, args.size());
    const bool ok = codec::findKeyPositions(*command, args, positions);
    checkPositions(ok, positions, args.size(), 1);
    if (ok && (command->key_proc == codec::RedisKeyProc::kSort || command->key_proc == codec::RedisKeyProc::kSortRo)) {
      require(!positions.empty() && positions[0] == 1, "SORT's first key is the sorted key");
    }
  }
  positions = {7};
  const bool ok = codec::findSortPatterns(args, positions);
  checkPositions(ok, positions, args.size(), 3);  // `SORT key BY pattern`: a pattern is at 3 or later
  for (const uint32_t position : positions) {
    const std::string_view pattern = args[position];
    require(pattern.find('*') < pattern.find('\0'), "a SORT pattern has a '*' before any NUL");
  }
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcproxy::fuzz;
  if (size > 4096) return 0;  // argument lists, not bulk data
  std::vector<std::string> lines = splitLines(std::string_view(reinterpret_cast<const char*>(data), size));
  resolveTableIndexes(lines);
  Args args;
  for (const auto& line : lines) args.add(line);
  const std::vector<std::string_view> views = args.views();
  checkKeys(views);
  // The command name alone, and without the last argument (exactly sized again): shorter lists
  // must be read safely as well.
  checkKeys(std::vector<std::string_view>(views.begin(), views.begin() + 1));
  if (views.size() > 2) checkKeys(std::vector<std::string_view>(views.begin(), views.end() - 1));
  return 0;
}
