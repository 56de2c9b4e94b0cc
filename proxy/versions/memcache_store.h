// The memcached version store: one key per cache, ~vc:<ns>:!version:<cache> and
// ~vc:<ns>:!mode:<cache> (see version_store.h).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "proxy/versions/memcache_client.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::versions {

// libmemcached blocks, so each operation runs on libuv's thread pool (uv_queue_work), one at a
// time in arrival order: the MemcacheClient (and its memcached_st) is never used by two threads
// at once, and the loop never blocks. A timer answers every operation by its deadline even if
// its call is still running (the late result is then dropped).
//
// fetch: get all version and mode keys; `add` a fresh version for each missing one (the first
//        sidecar wins, the others read its version back).
// write: `set` each key, exptime 0.
// subscribe: memcached has no notifications. on_change is kept but never called; the version
//        manager's polling (refresh_interval) propagates changes.
//
// An evicted version key is recreated by the next fetch with a new random version: an
// invalidation of that cache, never stale data. (An evicted mode key reads as "normal".)
class MemcacheStore final : public VersionStore {
 public:
  MemcacheStore(uv_loop_t* loop, StoreOptions options);
  ~MemcacheStore() override;  // only after close() has called back

  void fetch(const std::vector<std::string>& names, FetchDone done) override;
  void write(const VersionMap& changes, WriteDone done) override;
  void subscribe(std::function<void()> on_change) override;
  void close(std::function<void()> done) override;
  std::string describe() const override;

 private:
  struct Op;

  void enqueue(std::unique_ptr<Op> op);
  void startNext();
  void armTimer();
  void answer(Op& op, std::string error);
  void expire(uint64_t now, const std::string& error);
  void finishClose();

  static void runWork(uv_work_t* work);
  static void afterWork(uv_work_t* work, int status);
  static void onTimer(uv_timer_t* timer);
  static void onTimerClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  StoreOptions options_;
  std::string label_;     // "memcache 127.0.0.1:11211"
  MemcacheClient client_;  // touched only by the running work item, or when none runs
  std::deque<std::unique_ptr<Op>> queue_;  // arrival order; the front one runs if running_
  bool running_ = false;
  Op* running_op_ = nullptr;  // set before the work is queued: what the worker thread runs
  uv_work_t work_;
  uv_timer_t timer_;  // the earliest deadline of an unanswered operation
  std::function<void()> on_change_;  // never called: see above
  bool closing_ = false;
  std::function<void()> close_done_;
};

}  // namespace vcproxy::versions
