// Internal to config/: reading yaml-cpp nodes with positions and error collection.
// Includes yaml-cpp, so it must never be included from a public header.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace vcproxy::config {

// Collects errors; reading never stops at the first one so a file shows all of them.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // `mark` is yaml-cpp's 0-based position; a null mark gives line and column 0.
  void add(const YAML::Mark& mark, std::string message);
  bool empty() const { return errors_.empty(); }
  // The errors sorted by position (stable, so one spot keeps the order found).
  std::vector<Error> take();

 private:
  std::string file_;
  std::vector<Error> errors_;
};

// One value of the document, where to point at it, and its path for messages.
struct Field {
  YAML::Node node;
  YAML::Mark mark;   // a null value has no useful mark of its own: its key's is used
  std::string path;  // "listeners[0].protocol"; empty for the document root
};

// `text` in double quotes for a message: shortened, control and non-ASCII bytes escaped.
std::string quote(std::string_view text);

// `text` with control bytes (and DEL) as \xNN: yaml-cpp quotes the offending byte raw in its
// messages ("unknown escape character: <ESC>"), which must not reach a terminal or a log as is.
std::string printable(std::string_view text);

// "a list", "a map", "null", or the scalar quoted and shortened.
std::string describe(const YAML::Node& node);

// Reports "<path>: expected <what>, got <describe(node)>[ (<detail>)]".
void reportExpected(Diagnostics& diag, const Field& field, std::string_view what,
                    std::string_view detail = {});

// The items of a sequence field, with paths "path[i]".
std::vector<Field> itemsOf(const Field& seq);

// A map field checked against the keys it may hold. Construction reports unknown,
// duplicate and non-string keys; lookups then see only the first of duplicates.
class MapView {
 public:
  MapView(const Field& map, std::span<const std::string_view> allowed, Diagnostics& diag);

  // The value, or nullopt (and an error) when the key is absent. A null value is returned.
  std::optional<Field> required(std::string_view key);
  // The value, or nullopt when the key is absent or null (null = use the default).
  std::optional<Field> optional(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    int key_line;  // 1-based, for "first at line N"
    Field value;
  };
  const Entry* find(std::string_view key) const;

  Field map_;
  Diagnostics& diag_;
  std::vector<Entry> entries_;
};

// A scalar as text; errors (expecting `what`) on null, lists and maps.
std::optional<std::string> readString(const Field& field, std::string_view what, Diagnostics& diag);

// An unquoted decimal integer in [min, max]; `what` replaces "an integer min..max" in messages.
std::optional<uint64_t> readInteger(const Field& field, uint64_t min, uint64_t max,
                                    Diagnostics& diag, std::string_view what = {});

// An endpoint string; the message says which forms are accepted and why this one is not.
std::optional<Endpoint> readEndpoint(const Field& field, Diagnostics& diag);

// A name made of A-Z a-z 0-9 _ . - with 1..max_len characters (or 0.. when allow_empty).
std::optional<std::string> readName(const Field& field, size_t max_len, bool allow_empty,
                                    Diagnostics& diag);

}  // namespace vcproxy::config
