#include "proxy/codec/base64.h"

#include <array>
#include <cstdint>

namespace vcproxy::codec {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> makeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr auto kDecode = makeDecodeTable();

}  // namespace

bool base64Decode(std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t padding = 0;
  if (in.back() == '=') padding = in[in.size() - 2] == '=' ? 2 : 1;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t group = 0;
    const bool last = i + 4 == in.size();
    for (size_t j = 0; j < 4; ++j) {
      const char c = in[i + j];
      int8_t v = kDecode[static_cast<uint8_t>(c)];
      if (c == '=' && last && j >= 4 - padding) v = 0;
      if (v < 0) return false;
      group = group << 6 | static_cast<uint32_t>(v);
    }
    const size_t bytes = last ? 3 - padding : 3;
    for (size_t j = 0; j < bytes; ++j) out.push_back(static_cast<char>(group >> (16 - 8 * j) & 0xff));
  }
  return true;
}

void base64Encode(std::string_view in, std::string& out) {
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t g = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[g >> s & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest == 0) return;
  uint32_t g = static_cast<uint8_t>(in[i]) << 16;
  if (rest == 2) g |= static_cast<uint8_t>(in[i + 1]) << 8;
  out.push_back(kAlphabet[g >> 18 & 63]);
  out.push_back(kAlphabet[g >> 12 & 63]);
  out.push_back(rest == 2 ? kAlphabet[g >> 6 & 63] : '=');
  out.push_back('=');
}

}  // namespace vcproxy::codec
