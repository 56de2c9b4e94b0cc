#pragma once

#include <cstddef>

namespace vcproxy::route::test_support {

// Number of global operator new calls so far in this process (all threads).
// route_test replaces operator new to count, so tests can assert that a hot
// path allocates nothing.
size_t allocationCount();

}  // namespace vcproxy::route::test_support
