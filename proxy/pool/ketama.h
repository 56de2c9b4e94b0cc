// Ketama consistent hashing, placing keys exactly as libmemcached does with
// MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, so vcproxy and libmemcached clients configured with the same
// server list agree on where every key lives:
//   - each server gets 160 points scaled by its share of the total weight:
//     floor(weight / total * 40 * live_servers) * 4, computed in float as libmemcached does;
//   - the points come 4 at a time from MD5("<name>-<i>"), i = 0, 1, ..., read as four
//     little-endian 32-bit words; <name> is "host" on memcached's default port 11211 and
//     "host:port" otherwise (a unix socket is "path:0");
//   - a key's hash is the first little-endian word of MD5(key); it belongs to the server of the
//     first point at or after it, wrapping around; equal points are ordered by server index.
// Pure functions: no sockets, unit-tested against libmemcached itself.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::pool {

inline constexpr uint16_t kDefaultMemcachedPort = 11211;
inline constexpr uint32_t kNoServer = UINT32_MAX;

struct PoolMember {
  std::string host;  // as written in the config (IPv6 without brackets), or a unix socket path
  uint16_t port = 0; // 0 for a unix socket
  uint32_t weight = 1;
};

// The name libmemcached hashes for a server's points.
std::string ketamaServerName(std::string_view host, uint16_t port);

// The 32-bit hash of a key on the continuum.
uint32_t ketamaKeyHash(std::string_view key);

class Continuum {
 public:
  Continuum() = default;
  static Continuum build(std::span<const PoolMember> members);

  // The server of `key`, kNoServer when there is none.
  uint32_t serverFor(std::string_view key) const;
  uint32_t serverForHash(uint32_t hash) const;
  // With servers left out (`live[i]` false): a key of a server that is out goes to the server of
  // the next point that is in, so the keys of the servers that are in never move. (libmemcached's
  // and twemproxy's auto-eject rebuild the continuum instead, which also moves a few percent of
  // the other servers' keys when weights differ.) kNoServer when none is in.
  uint32_t serverForHash(uint32_t hash, const std::vector<bool>& live) const;
  bool empty() const { return points_.empty(); }
  size_t pointCount() const { return points_.size(); }

 private:
  struct Point {
    uint32_t value;
    uint32_t server;
  };
  size_t firstAtOrAfter(uint32_t hash) const;  // wraps to 0
  std::vector<Point> points_;  // sorted by (value, server)
};

}  // namespace vcproxy::pool
