#include "proxy/pool/ketama.h"

#include <algorithm>
#include <cmath>

#include "proxy/pool/md5.h"

namespace vcproxy::pool {
namespace {

constexpr uint32_t kPointsPerServer = 160;
constexpr uint32_t kPointsPerHash = 4;  // one MD5 digest gives four 32-bit points

uint32_t word(const Md5Digest& digest, uint32_t i) {
  const uint8_t* p = digest.data() + 4 * i;
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// libmemcached's arithmetic, float for float: a different rounding would move keys.
uint32_t pointsFor(uint32_t weight, uint64_t total_weight, uint32_t live) {
  const float share = static_cast<float>(weight) / static_cast<float>(total_weight);
  float hashes = share * static_cast<float>(kPointsPerServer);
  hashes = hashes / static_cast<float>(kPointsPerHash);
  hashes = hashes * static_cast<float>(live);
  hashes = hashes + 0.0000000001F;
  return static_cast<uint32_t>(std::floor(hashes)) * kPointsPerHash;
}

}  // namespace

std::string ketamaServerName(std::string_view host, uint16_t port) {
  std::string name(host);
  if (port != kDefaultMemcachedPort) name += ":" + std::to_string(port);
  return name;
}

uint32_t ketamaKeyHash(std::string_view key) { return word(md5(key), 0); }

Continuum Continuum::build(std::span<const PoolMember> members) {
  uint64_t total_weight = 0;
  for (const PoolMember& member : members) total_weight += member.weight;
  Continuum continuum;
  if (members.empty() || total_weight == 0) return continuum;
  const auto count = static_cast<uint32_t>(members.size());
  for (uint32_t i = 0; i < count; ++i) {
    const std::string base = ketamaServerName(members[i].host, members[i].port) + "-";
    const uint32_t hashes = pointsFor(members[i].weight, total_weight, count) / kPointsPerHash;
    for (uint32_t h = 0; h < hashes; ++h) {
      const Md5Digest digest = md5(base + std::to_string(h));
      for (uint32_t w = 0; w < kPointsPerHash; ++w) continuum.points_.push_back({word(digest, w), i});
    }
  }
  std::sort(continuum.points_.begin(), continuum.points_.end(), [](const Point& a, const Point& b) {
    return a.value != b.value ? a.value < b.value : a.server < b.server;
  });
  return continuum;
}

uint32_t Continuum::serverFor(std::string_view key) const {
  if (points_.empty()) return kNoServer;
  return serverForHash(ketamaKeyHash(key));
}

size_t Continuum::firstAtOrAfter(uint32_t hash) const {
  const auto it = std::lower_bound(points_.begin(), points_.end(), hash,
                                   [](const Point& point, uint32_t h) { return point.value < h; });
  return it == points_.end() ? 0 : static_cast<size_t>(it - points_.begin());
}

uint32_t Continuum::serverForHash(uint32_t hash) const {
  return points_.empty() ? kNoServer : points_[firstAtOrAfter(hash)].server;
}

uint32_t Continuum::serverForHash(uint32_t hash, const std::vector<bool>& live) const {
  if (points_.empty()) return kNoServer;
  const size_t first = firstAtOrAfter(hash);
  for (size_t step = 0; step < points_.size(); ++step) {
    const Point& point = points_[(first + step) % points_.size()];
    if (live[point.server]) return point.server;
  }
  return kNoServer;
}

}  // namespace vcproxy::pool
