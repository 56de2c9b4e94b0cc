#include "tests/integration/harness/resp_client.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace vcproxy::test {
namespace {

constexpr int kMaxDepth = 64;

std::string quotedText(std::string_view text) { return "\"" + visibleBytes(text, 512) + "\""; }

std::optional<long long> parseLength(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string RespValue::describe() const {
  if (null) return type == '*' ? "(nil array)" : "(nil)";
  switch (type) {
    case '+': return text;
    case '-': return "(error) " + text;
    case '!': return "(blob error) " + text;
    case ':': return "(integer) " + text;
    case ',': return "(double) " + text;
    case '#': return "(boolean) " + text;
    case '(': return "(big number) " + text;
    case '$': return quotedText(text);
    case '=': return "(verbatim) " + quotedText(text);
    case '%':
    case '|': {
      std::string out = type == '|' ? "(attribute) {" : "{";
      for (size_t i = 0; i + 1 < items.size(); i += 2) {
        out += (i ? ", " : "") + items[i].describe() + ": " + items[i + 1].describe();
      }
      return out + "}";
    }
    case '*':
    case '~':
    case '>': {
      std::string out = type == '~' ? "(set) [" : type == '>' ? "(push) [" : "[";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i].describe();
      return out + "]";
    }
    default: return std::string("(type '") + type + "') " + quotedText(text);
  }
}

std::vector<std::string> RespValue::strings() const {
  std::vector<std::string> out;
  if (type != '*' && type != '~' && type != '>') return out;
  for (const auto& item : items) out.push_back(item.text);
  return out;
}

void PrintTo(const RespValue& value, std::ostream* os) { *os << value.describe(); }
void PrintTo(const RespReply& reply, std::ostream* os) { *os << reply.describe(); }

std::string respCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

RespClient::RespClient(uint16_t port, std::chrono::milliseconds timeout) : text_(port, timeout) {}

RespReply RespClient::call(const std::vector<std::string>& args) {
  if (auto sent = send(args); !sent) {
    RespReply reply;
    reply.error = sent.message();
    return reply;
  }
  return read();
}

RespReply RespClient::read() {
  RespReply reply;
  if (!readValue(reply.value, reply.raw, reply.error) && reply.error.empty()) reply.error = "malformed reply";
  if (reply.ok() && reply.value.type == '|') {  // the attribute, then the value it annotates
    RespValue annotated;
    if (!readValue(annotated, reply.raw, reply.error)) return reply;
    annotated.items.insert(annotated.items.begin(), reply.value);
    reply.value = std::move(annotated);
  }
  return reply;
}

bool RespClient::readValue(RespValue& value, std::string& raw, std::string& error) {
  struct Frame {
    RespValue* value;
    long long left;
  };
  std::vector<Frame> stack;
  RespValue* target = &value;
  for (;;) {
    const ReadResult line = text_.readLine();
    if (!line.ok()) {
      error = line.error + " (after \"" + visibleBytes(raw) + "\")";
      return false;
    }
    raw += line.data + "\r\n";
    if (line.data.empty()) {
      error = "empty line in reply: \"" + visibleBytes(raw) + "\"";
      return false;
    }
    RespValue& current = *target;
    current.type = line.data[0];
    const std::string_view rest = std::string_view(line.data).substr(1);
    long long children = 0;
    switch (current.type) {
      case '+': case '-': case ':': case ',': case '#': case '(':
        current.text = rest;
        break;
      case '_':
        current.null = true;
        break;
      case '$': case '=': case '!': {
        const auto length = parseLength(rest);
        if (!length || *length < -1) {
          error = "bad bulk length in \"" + visibleBytes(raw) + "\"";
          return false;
        }
        if (*length == -1) {
          current.null = true;
          break;
        }
        const ReadResult data = text_.readExactly(static_cast<size_t>(*length) + 2);
        if (!data.ok()) {
          error = data.error + " (after \"" + visibleBytes(raw) + "\")";
          return false;
        }
        raw += data.data;
        if (!data.data.ends_with("\r\n")) {
          error = "bulk string not followed by \\r\\n: \"" + visibleBytes(raw) + "\"";
          return false;
        }
        current.text = data.data.substr(0, data.data.size() - 2);
        break;
      }
      case '*': case '~': case '>': case '%': case '|': {
        const auto count = parseLength(rest);
        if (!count || *count < -1) {
          error = "bad aggregate length in \"" + visibleBytes(raw) + "\"";
          return false;
        }
        if (*count == -1) {
          current.null = true;
          break;
        }
        children = (current.type == '%' || current.type == '|') ? *count * 2 : *count;
        current.items.reserve(static_cast<size_t>(children));
        break;
      }
      default:
        error = "unknown RESP type in \"" + visibleBytes(raw) + "\"";
        return false;
    }
    if (children > 0) {
      if (stack.size() >= kMaxDepth) {
        error = "reply nested too deep";
        return false;
      }
      stack.push_back({&current, children});
      target = &current.items.emplace_back();
      continue;
    }
    // `current` is complete: climb to the next sibling slot, if any.
    for (;;) {
      if (stack.empty()) return true;
      Frame& top = stack.back();
      if (--top.left > 0) {
        target = &top.value->items.emplace_back();
        break;
      }
      stack.pop_back();
    }
  }
}

std::optional<std::vector<std::string>> scanAllKeys(uint16_t port, const std::string& match) {
  RespClient client(port);
  std::vector<std::string> keys;
  std::string cursor = "0";
  for (int round = 0; round < 100000; ++round) {
    const RespReply reply = client.call({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!reply.ok() || reply.value.type != '*' || reply.value.items.size() != 2) return std::nullopt;
    cursor = reply.value.items[0].text;
    for (const auto& key : reply.value.items[1].strings()) keys.push_back(key);
    if (cursor == "0") {
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      return keys;
    }
  }
  return std::nullopt;
}

}  // namespace vcproxy::test
