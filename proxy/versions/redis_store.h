// The Redis version store: hash ~vc:<ns>:!versions, hash ~vc:<ns>:!modes, and pub/sub channel
// ~vc:<ns>:!changes for instant propagation (see version_store.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "proxy/versions/redis_connection.h"
#include "proxy/versions/version_store.h"

namespace vcproxy::versions {

// Two hiredis connections on the control loop: one for commands, one (opened by subscribe())
// for SUBSCRIBE, since a subscribed connection can run nothing else. Both reconnect by
// themselves; fetch and write fail fast while the command connection is down.
//
// fetch:  HGETALL versions + HGETALL modes (pipelined); if some names have no version yet,
//         HSETNX each with a fresh version (the first sidecar wins) and read again.
// write:  MULTI, HSET versions, HSET modes, EXEC, PUBLISH "a,b" (pipelined, one round trip).
// notify: on_change runs for every announcement, and also each time the subscription is
//         (re)established, because announcements made while it was not may have been missed.
//
// A Redis restarted without persistence comes back empty: the next fetch creates new versions,
// i.e. every cache is invalidated, never stale.
class RedisStore final : public VersionStore {
 public:
  RedisStore(uv_loop_t* loop, StoreOptions options);
  ~RedisStore() override;  // only after close() has called back

  void fetch(const std::vector<std::string>& names, FetchDone done) override;
  void write(const VersionMap& changes, WriteDone done) override;
  void subscribe(std::function<void()> on_change) override;
  void close(std::function<void()> done) override;
  std::string describe() const override;

 private:
  struct FetchOp;
  struct WriteOp;

  void readAll(const std::shared_ptr<FetchOp>& op);
  void onRead(const std::shared_ptr<FetchOp>& op);
  void createMissing(const std::shared_ptr<FetchOp>& op, const std::vector<std::string>& missing);
  void answerFetch(const std::shared_ptr<FetchOp>& op);
  void sendWrite(const std::shared_ptr<WriteOp>& op, const VersionMap& changes);
  void onExec(const std::shared_ptr<WriteOp>& op, const redisReply* reply);
  void onPush(const redisReply* push);

  StoreOptions options_;
  std::string versions_key_;
  std::string modes_key_;
  std::string channel_;
  RedisConnection commands_;
  RedisConnection subscriber_;
  std::function<void()> on_change_;
  bool closing_ = false;
  int open_connections_ = 2;
  std::function<void()> close_done_;
};

}  // namespace vcproxy::versions
