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

namespace vcproxy::net {

class Listener;
class RedisUpstream;

class RedisClientConn final : public ClientConn {
 public:
  RedisClientConn(Listener& listener, bool is_unix);

 private:
  void processInput() override;
  void onClosing() override;
  void handleRequest(const codec::RespRequest& request);
  // Fills args_ with what goes upstream; false (and an answer sent) if a key is refused.
  bool rewriteArgs(const codec::RespRequest& request, const codec::RedisCommand& command, std::string& pattern);
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
