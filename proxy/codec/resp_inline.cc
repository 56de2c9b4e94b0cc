#include "proxy/codec/resp_inline.h"

#include <cstdint>

namespace vcproxy::codec {
namespace {

// isspace() in the C locale, which sdssplitargs uses between arguments and after quotes.
bool isCSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

bool isHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

enum class Quote : uint8_t { kNone, kDouble, kSingle };

// One argument starting at line[i]; leaves `i` after the byte that ended it, as sdssplitargs does.
class TokenReader {
 public:
  TokenReader(std::string_view line, size_t& i, std::string& out) : line_(line), i_(i), out_(out) {}

  bool read() {
    for (bool done = false; !done;) {
      const char c = at(i_);
      switch (quote_) {
        case Quote::kDouble:
          if (!doubleQuoted(c, done)) return false;
          break;
        case Quote::kSingle:
          if (!singleQuoted(c, done)) return false;
          break;
        case Quote::kNone:
          plain(c, done);
          break;
      }
      if (at(i_) != '\0') ++i_;
    }
    return true;
  }

 private:
  // Past the end reads as the C string terminator.
  char at(size_t i) const { return i < line_.size() ? line_[i] : '\0'; }

  // A closing quote must be followed by whitespace or the end of the line.
  bool closes() const {
    const char next = at(i_ + 1);
    return next == '\0' || isCSpace(next);
  }

  bool doubleQuoted(char c, bool& done) {
    if (c == '\\' && at(i_ + 1) == 'x' && isHexDigit(at(i_ + 2)) && isHexDigit(at(i_ + 3))) {
      out_.push_back(static_cast<char>(hexValue(at(i_ + 2)) * 16 + hexValue(at(i_ + 3))));
      i_ += 3;
    } else if (c == '\\' && at(i_ + 1) != '\0') {
      ++i_;
      out_.push_back(unescape(at(i_)));
    } else if (c == '"') {
      if (!closes()) return false;
      done = true;
    } else if (c == '\0') {
      return false;  // unterminated
    } else {
      out_.push_back(c);
    }
    return true;
  }

  bool singleQuoted(char c, bool& done) {
    if (c == '\\' && at(i_ + 1) == '\'') {
      ++i_;
      out_.push_back('\'');
    } else if (c == '\'') {
      if (!closes()) return false;
      done = true;
    } else if (c == '\0') {
      return false;  // unterminated
    } else {
      out_.push_back(c);
    }
    return true;
  }

  // Unquoted: only these four bytes end an argument (not \v or \f, which isspace skips).
  void plain(char c, bool& done) {
    switch (c) {
      case ' ':
      case '\n':
      case '\r':
      case '\t':
      case '\0':
        done = true;
        break;
      case '"':
        quote_ = Quote::kDouble;
        break;
      case '\'':
        quote_ = Quote::kSingle;
        break;
      default:
        out_.push_back(c);
    }
  }

  std::string_view line_;
  size_t& i_;
  std::string& out_;
  Quote quote_ = Quote::kNone;
};

}  // namespace

bool splitInlineArgs(std::string_view line, std::string& storage, std::vector<std::string_view>& args) {
  line = line.substr(0, line.find('\0'));
  args.clear();
  storage.clear();
  // Unescaping never makes an argument longer than its source: with this capacity the storage
  // cannot move while views into it are handed out.
  storage.reserve(line.size());
  size_t i = 0;
  while (true) {
    while (i < line.size() && isCSpace(line[i])) ++i;
    if (i == line.size()) return true;
    const size_t start = storage.size();
    if (!TokenReader(line, i, storage).read()) {
      args.clear();
      return false;
    }
    args.emplace_back(storage.data() + start, storage.size() - start);
  }
}

}  // namespace vcproxy::codec
