#include "proxy/codec/resp_encode.h"

#include <charconv>

namespace vcproxy::codec {
namespace {

void appendHeader(char type, size_t length, std::string& out) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), length);
  out.push_back(type);
  out.append(digits, end);
  out.append("\r\n");
}

}  // namespace

void appendRespCommand(std::span<const std::string_view> args, std::string& out) {
  appendHeader('*', args.size(), out);
  for (std::string_view arg : args) appendRespBulkString(arg, out);
}

void appendRespBulkString(std::string_view value, std::string& out) {
  appendHeader('$', value.size(), out);
  out.append(value);
  out.append("\r\n");
}

void appendRespError(std::string_view message, std::string& out) {
  out.push_back('-');
  for (char c : message) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

}  // namespace vcproxy::codec
