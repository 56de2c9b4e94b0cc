// Counters of the data path. Each is written by exactly one loop thread and read by the admin
// thread: single-writer relaxed atomics, so neither side ever takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace vcproxy::net {

class Counter {
 public:
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Upper bounds in seconds (Prometheus `le`), the last bucket being +Inf.
inline constexpr std::array<double, 12> kLatencyBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                       0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

class Histogram {
 public:
  void observe(uint64_t nanos);
  uint64_t bucket(size_t i) const { return buckets_[i].get(); }  // not cumulative; i == size: +Inf
  uint64_t count() const { return count_.get(); }
  double sumSeconds() const { return static_cast<double>(sum_nanos_.get()) / 1e9; }

 private:
  std::array<Counter, kLatencyBounds.size() + 1> buckets_;
  Counter count_;
  Counter sum_nanos_;
};

// Per cache, per worker; misses = reads - hits.
struct CacheCounters {
  Counter reads;   // keys asked for by get/gets/gat/gats/mg
  Counter hits;    // of those, found
  Counter writes;  // set/add/replace/append/prepend/cas/ms
};
inline constexpr size_t kMaxCountedCaches = 1024;  // caches beyond are served, not counted

struct BackendCounters {
  Counter requests;
  Counter errors;       // requests answered with SERVER_ERROR by the proxy (down, timeout...)
  Gauge connected;      // 1 while the connection is up
  Gauge ejected;        // 1 while its backend is ejected from the pool (auto_eject_hosts)
  Histogram latency;    // request sent to reply received
  Counter zero_copy_bytes;  // reply bytes sent to clients from the buffer they were read into
};

struct ListenerCounters {
  Counter accepted;
  Gauge active;
  Counter refused;           // over max_client_connections
  Counter idle_timeouts;     // client_idle_timeout_ms
  Counter request_timeouts;  // client_request_timeout_ms (a request arriving too slowly)
  Counter write_timeouts;    // client_write_timeout_ms (replies left unread)
};

}  // namespace vcproxy::net
