// Bytes sent from a buffer the sender does not own (a large value read from a backend), spliced
// into text it does own, so the value is never copied on its way through.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace vcproxy::net {

// Below this size copying costs less than one more part in the write (and the block kept alive).
constexpr size_t kMinSliceBytes = 4096;

struct Slice {
  size_t at = 0;                     // offset in the owner's text where the bytes go
  std::string_view bytes;
  std::shared_ptr<const void> keep;  // keeps `bytes` valid until they are written
};

}  // namespace vcproxy::net
