#pragma once

#include <cstddef>

namespace vcproxy::codec::test_support {

// The RESP test binary replaces global operator new to watch the decoders: how many allocations
// happened, and the largest one, since the last resetAllocations().
void resetAllocations();
size_t allocationCount();
size_t largestAllocation();

}  // namespace vcproxy::codec::test_support
