// A connection's input buffer. While it is empty, reads land in a scratch buffer shared by the
// whole worker (`borrow`), so an idle connection holds no memory and a connection whose requests
// arrive whole never copies them; only bytes left unprocessed after a read are copied into the
// connection's own storage (`keepLeftover`), whose free tail later reads fill.
//
// Bytes in own storage may be lent out (`share`): large values then leave as slices of the buffer
// they were read into. A lent block is never written over: while anyone holds it, the buffer
// moves to a new block instead of compacting or starting again at its front.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace vcproxy::net {

class IoBuffer {
 public:
  // `keep_storage`: keep own storage (up to kKeptCapacity) when emptied, for a connection read
  // without a scratch buffer (a shared upstream connection: few, busy, and reading into its own
  // storage lets its replies be lent).
  explicit IoBuffer(bool keep_storage = false) : keep_storage_(keep_storage) {}

  // Memory is taken only when the first read arrives, so idle connections cost little.
  std::string_view readable() const { return {base() + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return start_ == end_; }

  void consume(size_t n) {
    start_ += n;
    if (start_ == end_) clear();
  }

  // The block holding readable() when it is own storage (null while bytes are borrowed from the
  // scratch buffer, which the next read reuses): keeps slices of readable() valid.
  std::shared_ptr<const char[]> share() const { return borrowed_ == nullptr ? data_ : nullptr; }

  // The bytes just read into the worker's scratch buffer; valid until keepLeftover().
  void borrow(const char* data, size_t n) {
    borrowed_ = data;
    start_ = 0;
    end_ = n;
  }
  // Copies what is left of borrowed bytes into the connection's own storage.
  void keepLeftover() {
    if (borrowed_ == nullptr) return;
    const std::string_view rest = readable();
    borrowed_ = nullptr;
    start_ = end_ = 0;
    if (rest.empty()) return;
    auto [data, size] = writable(rest.size());
    std::memcpy(data, rest.data(), rest.size());
    end_ = rest.size();
  }

  // Free space at the tail, at least `min_free` bytes (compacting or growing as needed).
  std::pair<char*, size_t> writable(size_t min_free) {
    keepLeftover();
    if (capacity_ - end_ < min_free) reserve(min_free);
    return {data_.get() + end_, capacity_ - end_};
  }
  void commit(size_t n) { end_ += n; }

  // Makes room for `total` bytes of readable data (a large value that is still arriving).
  void ensureCapacity(size_t total) {
    if (total > size()) writable(total - size());
  }

 private:
  const char* base() const { return borrowed_ != nullptr ? borrowed_ : data_.get(); }
  bool lent() const { return data_.use_count() > 1; }

  // Empty again: own storage is given back (or kept for the next read when allowed and not
  // lent), so only connections mid-request hold memory.
  void clear() {
    borrowed_ = nullptr;
    start_ = end_ = 0;
    if (keep_storage_ && !lent() && capacity_ <= kKeptCapacity) return;
    data_.reset();
    capacity_ = 0;
  }

  void reserve(size_t min_free) {
    const size_t used = end_ - start_;
    if (start_ > 0 && !lent() && capacity_ - used >= min_free && used <= capacity_ / 2) {
      std::memmove(data_.get(), data_.get() + start_, used);
    } else {
      // Sized for what is needed now, not from the old capacity: a block left because it is lent
      // may be much larger than what remains to read.
      size_t capacity = kInitialCapacity;
      while (capacity < used + min_free) capacity *= 2;
      auto bigger = std::make_shared_for_overwrite<char[]>(capacity);
      if (used) std::memcpy(bigger.get(), data_.get() + start_, used);
      data_ = std::move(bigger);
      capacity_ = capacity;
    }
    start_ = 0;
    end_ = used;
  }

  static constexpr size_t kInitialCapacity = 4 * 1024;
  static constexpr size_t kKeptCapacity = 256 * 1024;
  bool keep_storage_;
  const char* borrowed_ = nullptr;
  std::shared_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
};

}  // namespace vcproxy::net
