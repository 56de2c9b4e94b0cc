#include "proxy/route/version.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <span>
#include <system_error>

namespace vcproxy::route {
namespace {

// The largest multiple of the alphabet size that fits in a byte (62 * 4 = 248):
// bytes at or above it are rejected so that `byte % 62` has no bias.
constexpr unsigned kAcceptBelow = 256 - 256 % kVersionAlphabet.size();

// Fills `buf` from the kernel CSPRNG, retrying on EINTR and short reads.
void fillRandom(std::span<unsigned char> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = getrandom(buf.data() + done, buf.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string_view modeName(CacheMode mode) {
  switch (mode) {
    case CacheMode::kNormal:
      return "normal";
    case CacheMode::kBypass:
      return "bypass";
    case CacheMode::kWriteOnly:
      return "write-only";
  }
  return "unknown";
}

std::optional<CacheMode> parseMode(std::string_view name) {
  for (CacheMode mode : {CacheMode::kNormal, CacheMode::kBypass, CacheMode::kWriteOnly}) {
    if (name == modeName(mode)) {
      return mode;
    }
  }
  return std::nullopt;
}

std::string newVersion() {
  static_assert(kVersionAlphabet.size() == 62);
  std::string version;
  version.reserve(kVersionLength);
  // 16 bytes cover 8 characters unless more than 8 are rejected (p ~ 1e-6).
  std::array<unsigned char, 16> buf;
  while (version.size() < kVersionLength) {
    fillRandom(buf);
    for (unsigned char byte : buf) {
      if (byte < kAcceptBelow && version.size() < kVersionLength) {
        version.push_back(kVersionAlphabet[byte % kVersionAlphabet.size()]);
      }
    }
  }
  return version;
}

}  // namespace vcproxy::route
