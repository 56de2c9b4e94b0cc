// Redis Cluster's key → slot function: CRC16 (XMODEM: poly 0x1021, init 0, no reflection) of the
// key, or of its hash tag, modulo 16384. The hash tag is what lies between the first '{' and the
// first '}' after it, when that is not empty; so `{user42}:a` and `{user42}:b` share a slot.
#pragma once

#include <cstdint>
#include <string_view>

namespace vcproxy::codec {

inline constexpr uint16_t kRedisClusterSlots = 16384;

uint16_t crc16Xmodem(std::string_view bytes);

// The part of `key` that is hashed: its hash tag, or the whole key.
std::string_view redisHashTag(std::string_view key);

// What `CLUSTER KEYSLOT key` answers.
uint16_t redisKeySlot(std::string_view key);

}  // namespace vcproxy::codec
