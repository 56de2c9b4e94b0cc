#include "proxy/codec/mc_verb.h"

#include <array>
#include <utility>

namespace vcproxy::codec {
namespace {

constexpr std::array<std::pair<std::string_view, McVerb>, 25> kVerbs{{
    {"get", McVerb::kGet},         {"gets", McVerb::kGets},         {"gat", McVerb::kGat},
    {"gats", McVerb::kGats},       {"set", McVerb::kSet},           {"add", McVerb::kAdd},
    {"replace", McVerb::kReplace}, {"append", McVerb::kAppend},     {"prepend", McVerb::kPrepend},
    {"cas", McVerb::kCas},         {"delete", McVerb::kDelete},     {"incr", McVerb::kIncr},
    {"decr", McVerb::kDecr},       {"touch", McVerb::kTouch},       {"flush_all", McVerb::kFlushAll},
    {"version", McVerb::kVersion}, {"verbosity", McVerb::kVerbosity}, {"stats", McVerb::kStats},
    {"quit", McVerb::kQuit},       {"mg", McVerb::kMetaGet},        {"ms", McVerb::kMetaSet},
    {"md", McVerb::kMetaDelete},   {"ma", McVerb::kMetaArithmetic}, {"mn", McVerb::kMetaNoop},
    {"me", McVerb::kMetaDebug},
}};

constexpr std::array<std::string_view, 12> kUnsupported{
    "lru_crawler", "slabs", "lru", "watch", "shutdown", "cache_memlimit",
    "extstore", "misbehave", "debugtime", "mgets", "bget", "verify_key"};

}  // namespace

std::optional<McVerb> parseMcVerb(std::string_view word) {
  for (const auto& [name, verb] : kVerbs) {
    if (name == word) return verb;
  }
  return std::nullopt;
}

std::string_view mcVerbName(McVerb verb) {
  for (const auto& [name, v] : kVerbs) {
    if (v == verb) return name;
  }
  return "?";
}

bool isUnsupportedMcCommand(std::string_view word) {
  for (std::string_view name : kUnsupported) {
    if (name == word) return true;
  }
  return false;
}

}  // namespace vcproxy::codec
