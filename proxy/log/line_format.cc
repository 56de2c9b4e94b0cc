#include "proxy/log/line_format.h"

#include <cstdint>

namespace vcproxy::log {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Length of the valid UTF-8 sequence starting at text[i], 0 if it is not one (overlongs,
// surrogates and code points past U+10FFFF included, as JSON parsers reject them).
size_t utf8Length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  if (overlong || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return 0;
  return length;
}

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = utf8Length(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void appendMember(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  appendJsonString(out, key);
  out += ':';
  appendJsonString(out, value);
}

// Values with spaces, quotes or '=' are quoted so `key=value` pairs split back unambiguously.
void appendTextValue(std::string& out, std::string_view value) {
  const bool quote = value.empty() || value.find_first_of(" \"=") != std::string_view::npos;
  if (!quote) {
    out += escapeControl(value);
    return;
  }
  out += '"';
  for (const char c : escapeControl(value)) {
    if (c == '"') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string escapeControl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (isControl(c)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string formatText(const Record& record) {
  std::string out;
  out.append(record.time).append(" ").append(record.level).append(" ").append(escapeControl(record.message));
  for (const Field& field : record.fields) {
    out.append(" ").append(field.key).append("=");
    appendTextValue(out, field.value);
  }
  out += '\n';
  return out;
}

std::string formatJson(const Record& record) {
  std::string out = "{\"ts\":";
  appendJsonString(out, record.time);
  appendMember(out, "level", record.level);
  appendMember(out, "msg", record.message);
  for (const Field& field : record.fields) appendMember(out, field.key, field.value);
  out += "}\n";
  return out;
}

}  // namespace vcproxy::log
