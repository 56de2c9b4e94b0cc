// One application connection speaking RESP (RESP2, or RESP3 after HELLO 3; multibulk or
// inline). Keys at the positions the command table gives are versioned; replies carrying keys
// are restored. Commands that change connection state move the client onto an upstream
// connection of its own for the rest of its life, transparently.
#pragma once

#include <string>
#include <vector>

#include "proxy/codec/resp_request.h"
#include "proxy/net/client_conn.h"

namespace vcproxy::codec {
struct RedisCommand;
}
namespace vcproxy::route {
struct CacheVersion;
}

namespace vcproxy::net {

class Listener;
class RedisUpstream;
class Upstream;

class RedisClientConn final : public ClientConn {
 public:
  RedisClientConn(Listener& listener, bool is_unix);

 private:
  void processInput() override;
  void onClosing() override;
  // A client gone while blocked (BLPOP 0) must not leave a connection that would still pop.
  bool drainsOnEof() const override { return pinned_ == nullptr; }
  void handleRequest(const codec::RespRequest& request);
  // Fills args_ with what goes upstream; false (and an answer sent) if a key is refused.
  bool rewriteArgs(const codec::RespRequest& request, const codec::RedisCommand& command, std::string& pattern);
  void restoreVersionsAfterFlush(Upstream& upstream);
  bool applyMode(const codec::RedisCommand& command, const route::CacheVersion& cache, std::string_view key,
                 std::string& versioned);
  RedisUpstream* upstreamFor(const codec::RedisCommand* command, const codec::RespRequest& request);

  Listener& listener_;
  codec::RespRequestDecoder decoder_;
  codec::RespRequest request_;
  RedisUpstream* pinned_ = nullptr;      // this client's own connection, once it needed one
  bool subscribed_ = false;              // pub/sub mode: replies are relayed as they come
  std::vector<std::string_view> args_;   // scratch: the arguments as they go upstream
  std::vector<std::string> storage_;     // scratch: rewritten keys
  std::vector<uint32_t> positions_;      // scratch: key positions
};

}  // namespace vcproxy::net
