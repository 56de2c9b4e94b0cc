// A worker thread: one libuv loop with its own listening sockets, client connections and
// upstream connections. Nothing on the data path is shared with other workers.
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "proxy/net/listener_spec.h"
#include "proxy/net/metrics.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::net {

class ClientConn;
class Listener;

class Worker {
 public:
  Worker(unsigned id, std::shared_ptr<const route::Rewriter> rewriter);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(): adopts a listening socket for `spec`.
  bool addListener(const ListenerSpec& spec, int fd, std::string& error);
  void start();
  // Thread-safe: stop accepting, close every connection and end the thread.
  void requestStop();
  // Thread-safe: stop accepting; end once every client has closed, or after `grace_ms`.
  void requestDrain(uint64_t grace_ms);
  bool finished() const { return finished_; }
  void join();
  // Thread-safe: a new key-rewriting snapshot (new versions); the loop swaps it in.
  void publish(std::shared_ptr<const route::Rewriter> rewriter);

  uv_loop_t* loop() { return &loop_; }
  // Where client reads land while their own buffer is empty (one read at a time per loop).
  std::span<char> scratch() { return {scratch_.get(), kScratchBytes}; }
  unsigned id() const { return id_; }
  // The loop's current snapshot; only read on the loop thread, so no lock.
  const route::Rewriter& rewriter() const { return *rewriter_; }
  // Thread-safe: the snapshot this loop is using now (to know when a publish has taken effect).
  const route::Rewriter* applied() const { return applied_.load(std::memory_order_acquire); }

  // The counters of the cache in stats slot `slot`; null past kMaxCountedCaches (served, not counted).
  CacheCounters* cacheCounters(uint32_t slot) { return slot < kMaxCountedCaches ? &(*cache_counters_)[slot] : nullptr; }
  const CacheCounters* cacheCounters(uint32_t slot) const {
    return slot < kMaxCountedCaches ? &(*cache_counters_)[slot] : nullptr;
  }
  const std::vector<std::unique_ptr<Listener>>& listeners() const { return listeners_; }

  void markDirty(ClientConn* client) { dirty_clients_.push_back(client); }
  void addClient(ClientConn* client) { clients_.insert(client); }
  void removeClient(ClientConn* client);
  size_t clientCount() const { return clients_.size(); }

 private:
  static void onWakeup(uv_async_t* handle);
  static void onCheck(uv_check_t* handle);
  static void onLimitsTick(uv_timer_t* handle);
  void startLimitsTimer();
  void startDrain();
  void shutdown();

  static constexpr size_t kScratchBytes = 64 * 1024;
  unsigned id_;
  std::unique_ptr<char[]> scratch_ = std::make_unique_for_overwrite<char[]>(kScratchBytes);
  uv_loop_t loop_{};
  uv_async_t wakeup_{};
  uv_check_t flush_check_{};
  std::shared_ptr<const route::Rewriter> rewriter_;
  std::atomic<const route::Rewriter*> applied_{nullptr};
  std::unique_ptr<std::array<CacheCounters, kMaxCountedCaches>> cache_counters_ =
      std::make_unique<std::array<CacheCounters, kMaxCountedCaches>>();
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_set<ClientConn*> clients_;
  std::vector<ClientConn*> dirty_clients_;
  std::vector<ClientConn*> flushing_;

  std::mutex mailbox_mutex_;  // guards only the hand-over below, never the data path
  std::shared_ptr<const route::Rewriter> mailbox_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> drain_grace_ms_{UINT64_MAX};  // UINT64_MAX: no drain asked for
  std::atomic<bool> finished_{false};
  uv_timer_t drain_timer_{};
  uv_timer_t limits_timer_{};  // checks the clients' timeouts, when a listener has one
  uint64_t drain_deadline_ms_ = 0;
  bool draining_ = false;
  bool shut_down_ = false;
  std::thread thread_;
};

}  // namespace vcproxy::net
