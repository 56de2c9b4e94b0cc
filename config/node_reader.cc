#include "config/node_reader.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "config/endpoint.h"

namespace vcproxy::config {
namespace {

constexpr size_t kMaxQuoted = 60;  // longer scalars are shortened in messages
constexpr std::string_view kEndpointForms = "host:port, [v6]:port or unix:/absolute/path";
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isNameChar(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
         c == '-';
}

}  // namespace

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
      continue;
    }
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

// Control and non-ASCII bytes are escaped so a message stays one line of ASCII whatever
// the file holds.
std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += text.size() > kMaxQuoted ? "\"..." : "\"";
  return out;
}

namespace {

// -?digits(.digits)?, shown bare in messages.
bool looksNumeric(std::string_view s) {
  if (s.starts_with('-')) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "0" : s.substr(dot + 1);
  auto digits = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), isDigit);
  };
  return digits(whole) && digits(fraction);
}

std::string childPath(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string where(const std::string& path) { return path.empty() ? "at top level" : "in " + path; }

std::string joinKeys(std::span<const std::string_view> keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

}  // namespace

void Diagnostics::add(const YAML::Mark& mark, std::string message) {
  Error error;
  error.file = file_;
  if (!mark.is_null() && mark.line >= 0 && mark.column >= 0) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  error.message = std::move(message);
  errors_.push_back(std::move(error));
}

std::vector<Error> Diagnostics::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(errors_);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map:
      return node.size() == 0 ? "an empty map" : "a map";
    case YAML::NodeType::Scalar:
      // Plain numbers read better bare: "got 0" rather than "got \"0\"".
      if (node.Tag() != "!" && looksNumeric(node.Scalar())) return node.Scalar();
      return quote(node.Scalar());
    default:
      return "null";
  }
}

void reportExpected(Diagnostics& diag, const Field& field, std::string_view what,
                    std::string_view detail) {
  std::string message = field.path.empty() ? "top level" : field.path;
  message += ": expected ";
  message += what;
  message += ", got ";
  message += describe(field.node);
  if (!detail.empty()) {
    message += " (";
    message += detail;
    message += ")";
  }
  diag.add(field.mark, std::move(message));
}

std::vector<Field> itemsOf(const Field& seq) {
  std::vector<Field> items;
  size_t index = 0;
  for (YAML::Node item : seq.node) {
    // A null item's own mark points past it, so point at the list instead.
    YAML::Mark mark = item.IsNull() ? seq.mark : item.Mark();
    items.push_back(Field{item, mark, seq.path + "[" + std::to_string(index) + "]"});
    ++index;
  }
  return items;
}

MapView::MapView(const Field& map, std::span<const std::string_view> allowed, Diagnostics& diag)
    : map_(map), diag_(diag) {
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary, a reference would dangle.
    YAML::Node key_node = it->first;
    YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      diag.add(key_node.Mark(),
               "expected a string key " + where(map.path) + ", got " + describe(key_node));
      continue;
    }
    const std::string& key = key_node.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      diag.add(key_node.Mark(), "unknown key " + quote(key) + " " + where(map.path) +
                                    "; expected one of " + joinKeys(allowed));
      continue;
    }
    if (const Entry* first = find(key)) {
      diag.add(key_node.Mark(), "duplicate key " + quote(key) + " " + where(map.path) +
                                    "; expected each key once (first at line " +
                                    std::to_string(first->key_line) + ")");
      continue;
    }
    YAML::Mark mark = value.IsNull() ? key_node.Mark() : value.Mark();
    entries_.push_back(
        Entry{key, key_node.Mark().line + 1, Field{value, mark, childPath(map.path, key)}});
  }
}

const MapView::Entry* MapView::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::optional<Field> MapView::required(std::string_view key) {
  if (const Entry* entry = find(key)) return entry->value;
  std::string prefix = map_.path.empty() ? "" : map_.path + ": ";
  diag_.add(map_.mark, prefix + "missing required key " + quote(key));
  return std::nullopt;
}

std::optional<Field> MapView::optional(std::string_view key) const {
  const Entry* entry = find(key);
  if (entry == nullptr || entry->value.node.IsNull()) return std::nullopt;
  return entry->value;
}

std::optional<std::string> readString(const Field& field, std::string_view what,
                                      Diagnostics& diag) {
  if (!field.node.IsScalar()) {
    reportExpected(diag, field, what);
    return std::nullopt;
  }
  return field.node.Scalar();
}

std::optional<uint64_t> readInteger(const Field& field, uint64_t min, uint64_t max,
                                    Diagnostics& diag, std::string_view what_override) {
  std::string what = what_override.empty()
                         ? "an integer " + std::to_string(min) + ".." + std::to_string(max)
                         : std::string(what_override);
  const YAML::Node& node = field.node;
  if (!node.IsScalar()) {
    reportExpected(diag, field, what);
    return std::nullopt;
  }
  if (node.Tag() != "?" && node.Tag() != kIntTag) {
    reportExpected(diag, field, what, "a quoted string; write the number without quotes");
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), isDigit);
  if (!digits || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    reportExpected(diag, field, what);
    return std::nullopt;
  }
  return value;
}

std::optional<Endpoint> readEndpoint(const Field& field, Diagnostics& diag) {
  if (field.node.IsSequence()) {
    // `listen: [::1]:80` unquoted is YAML flow syntax, not an address.
    reportExpected(diag, field, kEndpointForms, "quote IPv6 endpoints: \"[::1]:6379\"");
    return std::nullopt;
  }
  std::optional<std::string> text = readString(field, kEndpointForms, diag);
  if (!text) return std::nullopt;
  std::string why;
  std::optional<Endpoint> endpoint = parseEndpoint(*text, &why);
  if (!endpoint) reportExpected(diag, field, kEndpointForms, why);
  return endpoint;
}

std::optional<std::string> readName(const Field& field, size_t max_len, bool allow_empty,
                                    Diagnostics& diag) {
  constexpr std::string_view kChars = "characters from [A-Za-z0-9_.-]";
  std::string what;
  if (allow_empty) {
    what = "at most " + std::to_string(max_len) + " " + std::string(kChars);
  } else if (max_len == std::numeric_limits<size_t>::max()) {
    what = "a non-empty name of " + std::string(kChars);
  } else {
    what = "a name of 1.." + std::to_string(max_len) + " " + std::string(kChars);
  }
  std::optional<std::string> name = readString(field, what, diag);
  if (!name) return std::nullopt;
  auto bad = std::find_if_not(name->begin(), name->end(), isNameChar);
  if (bad != name->end()) {
    reportExpected(diag, field, what, "contains " + quote(std::string_view(&*bad, 1)));
    return std::nullopt;
  }
  if (name->empty() && !allow_empty) {
    reportExpected(diag, field, what);
    return std::nullopt;
  }
  if (name->size() > max_len) {
    reportExpected(diag, field, what, std::to_string(name->size()) + " characters");
    return std::nullopt;
  }
  return name;
}

}  // namespace vcproxy::config
