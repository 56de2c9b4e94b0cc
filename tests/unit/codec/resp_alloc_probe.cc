#include "tests/unit/codec/resp_alloc_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> g_count{0};
std::atomic<size_t> g_largest{0};
}  // namespace

namespace vcproxy::codec::test_support {

void resetAllocations() {
  g_count.store(0, std::memory_order_relaxed);
  g_largest.store(0, std::memory_order_relaxed);
}

size_t allocationCount() { return g_count.load(std::memory_order_relaxed); }

size_t largestAllocation() { return g_largest.load(std::memory_order_relaxed); }

}  // namespace vcproxy::codec::test_support

// Replacing the plain forms is enough: the array and nothrow forms call them.
void* operator new(size_t size) {
  g_count.fetch_add(1, std::memory_order_relaxed);
  size_t largest = g_largest.load(std::memory_order_relaxed);
  while (size > largest && !g_largest.compare_exchange_weak(largest, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }

void operator delete(void* p, size_t) noexcept { std::free(p); }
