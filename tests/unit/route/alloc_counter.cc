#include "tests/unit/route/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

namespace vcproxy::route::test_support {
size_t allocationCount() {
  return g_allocations.load(std::memory_order_relaxed);
}
}  // namespace vcproxy::route::test_support

// Replacing the plain forms is enough: the array and nothrow forms call them.
void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
