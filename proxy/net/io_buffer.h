// A connection's own growable input buffer: libuv reads land in its free tail.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace vcproxy::net {

class IoBuffer {
 public:
  // Memory is taken only when the first read arrives, so idle connections cost little.
  std::string_view readable() const { return {data_.get() + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return start_ == end_; }

  void consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }

  // Free space at the tail, at least `min_free` bytes (compacting or growing as needed).
  std::pair<char*, size_t> writable(size_t min_free) {
    if (capacity_ - end_ < min_free) reserve(min_free);
    return {data_.get() + end_, capacity_ - end_};
  }
  void commit(size_t n) { end_ += n; }

  // Makes room for `total` bytes of readable data (a large value that is still arriving).
  void ensureCapacity(size_t total) {
    if (total > size()) writable(total - size());
  }

  // Gives the memory back when a connection goes idle with nothing buffered.
  void release() {
    if (empty()) {
      data_.reset();
      capacity_ = start_ = end_ = 0;
    }
  }

 private:
  void reserve(size_t min_free) {
    const size_t used = end_ - start_;
    if (start_ > 0 && capacity_ - used >= min_free && used <= capacity_ / 2) {
      std::memmove(data_.get(), data_.get() + start_, used);
    } else {
      size_t capacity = capacity_ ? capacity_ : kInitialCapacity;
      while (capacity - used < min_free) capacity *= 2;
      auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
      if (used) std::memcpy(bigger.get(), data_.get() + start_, used);
      data_ = std::move(bigger);
      capacity_ = capacity;
    }
    start_ = 0;
    end_ = used;
  }

  static constexpr size_t kInitialCapacity = 16 * 1024;
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
};

}  // namespace vcproxy::net
