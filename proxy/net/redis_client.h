// One application connection speaking RESP (RESP2, or RESP3 after HELLO 3; multibulk or
// inline). Keys at the positions the command table gives are versioned; replies carrying keys
// are restored. Commands that change connection state move the client onto an upstream
// connection of its own for the rest of its life, transparently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proxy/codec/redis_split.h"
#include "proxy/codec/resp_request.h"
#include "proxy/net/client_conn.h"
#include "proxy/net/cluster_transaction.h"

namespace vcproxy::codec {
struct RedisCommand;
}
namespace vcproxy::route {
struct CacheVersion;
}

namespace vcproxy::net {

class Listener;
class RedisCluster;
class RedisUpstream;
class Upstream;

class RedisClientConn final : public ClientConn {
 public:
  RedisClientConn(Listener& listener, bool is_unix);

  // Hits of a GET-family / MGET reply (before its keys are restored), per cache.
  void countHits(const Pending& pending, std::string_view reply);

 private:
  // Tracking clients (RESP3) are told to drop every key they cache: the keys of the old version
  // changed for them, though Redis saw no write.
  void onVersionsChanged() override;
  void processInput() override;
  void decodeRequests();
  std::string requestTimeoutReply(uint32_t timeout_ms) const override;
  bool idleExempt() const override { return subscribed_; }
  void onClosing() override;
  // A client gone while blocked (BLPOP 0) must not leave a connection that would still pop.
  bool drainsOnEof() const override { return pinned_ == nullptr; }
  void handleRequest(const codec::RespRequest& request);
  // With a listener password: answers AUTH, checks HELLO's AUTH (the request to forward then
  // lands in hello_), refuses everything else until authenticated. Null: answered here.
  const codec::RespRequest* admit(const codec::RespRequest& request);
  const codec::RespRequest* admitHello(const codec::RespRequest& request, std::string_view password);
  // Answers a request the proxy refuses itself; inside MULTI this aborts the transaction, as a
  // command Redis refuses while queueing does.
  void refuse(std::string_view reply);
  // Fills args_ with what goes upstream; false (and an answer sent) if a key is refused.
  bool rewriteArgs(const codec::RespRequest& request, const codec::RedisCommand& command, std::string& pattern);
  bool rewritePatterns(const codec::RespRequest& request, const codec::RedisCommand& command);
  bool rewriteTracking(const codec::RespRequest& request);
  // State the proxy follows itself: protocol version, subscription, transaction.
  void noteConnectionState(std::string_view name, const codec::RespRequest& request, Pending& pending);
  void trackTransaction(std::string_view name, Pending& pending);
  // EXEC of a transaction the proxy refused a command of: discarded upstream, EXECABORT here.
  void abortExec(RedisUpstream& upstream);
  void restoreVersionsAfterFlush(Upstream& upstream);
  void countKeys(const codec::RedisCommand& command, const route::CacheVersion* cache);
  void noteCounting(Pending& pending) const;
  bool applyMode(const codec::RedisCommand& command, const route::CacheVersion& cache, std::string_view key,
                 std::string& versioned);
  RedisUpstream* upstreamFor(const codec::RedisCommand* command, const codec::RespRequest& request);
  // Redis Cluster listeners (redis_client_cluster.cc): routed by the slots of the rewritten keys.
  void sendToCluster(RedisCluster& cluster, const codec::RespRequest& request, const codec::RedisCommand* command,
                     std::string pattern);
  void splitForCluster(RedisCluster& cluster, codec::SplitKind kind, const codec::RedisCommand* command);
  void transactionForCluster(RedisCluster& cluster, std::string_view name);
  void queueForCluster(const codec::RedisCommand* command, int32_t slot, bool cross);
  void refuseForCluster(std::string reply);

  codec::RespRequestDecoder decoder_;
  codec::RespRequest request_;
  RedisUpstream* pinned_ = nullptr;      // this client's own connection, once it needed one
  std::optional<ClusterTransaction> cluster_multi_;  // cluster listeners: between MULTI and EXEC
  bool authenticated_;                   // no listener password, or AUTH succeeded
  codec::RespRequest hello_;             // scratch: HELLO without its AUTH part
  bool subscribed_ = false;              // RESP2 pub/sub mode: replies are relayed as they come
  bool resp3_ = false;                   // HELLO 3: pushes are framed apart from replies
  bool in_multi_ = false;                // between MULTI and EXEC/DISCARD/RESET
  bool multi_dirty_ = false;             // the proxy refused a command of the transaction
  bool flush_in_multi_ = false;          // FLUSHALL/FLUSHDB queued: put versions back after EXEC
  std::vector<RedisReplyRule> queued_;   // the rule of each command queued since MULTI
  bool tracking_ = false;                // CLIENT TRACKING ON
  std::vector<std::string> tracking_filter_;   // the client's broadcast tracking prefixes
  std::vector<std::string> tracking_storage_;  // scratch: the prefixes as they go upstream
  std::vector<std::string_view> args_;   // scratch: the arguments as they go upstream
  std::vector<std::string> storage_;     // scratch: rewritten keys
  std::vector<uint32_t> positions_;      // scratch: key positions
  std::vector<uint32_t> key_slots_;      // scratch: stats slot of each counted key (kNoCache: none)
  bool count_reads_ = false;             // the request reads counted keys
};

}  // namespace vcproxy::net
