// One application connection speaking the memcached text/meta protocol.
//
// Requests are decoded in place from the connection's buffer, their keys rewritten, and sent
// to an upstream connection; each gets a slot in `replies_`, and slots leave strictly in
// request order, whichever upstream answers first.
//
// In a pool each key goes to its backend (ketama over the rewritten key). A multi-key get whose
// keys live on several backends is split and merged back in the client's key order (McFanout).
// Commands without a key: flush_all and verbosity go to every backend in the pool (OK when all
// said OK); version, stats and mn go to the first backend that is up.
#pragma once

#include <string>
#include <vector>

#include "proxy/codec/mc_request.h"
#include "proxy/net/pending.h"
#include "proxy/net/client_conn.h"
#include "proxy/route/version.h"

namespace vcproxy::net {

class Listener;
class Upstream;
class Worker;

class McClientConn final : public ClientConn {
 public:
  McClientConn(Listener& listener, bool is_unix);
  // `values`: VALUE entries the restore walk found, enough when the request had one cache.

 private:
  void processInput() override;
  std::string requestTimeoutReply(uint32_t timeout_ms) const override;
  bool midRequest() const override { return skip_ > 0; }
  void handleRequest(const codec::McRequest& request);
  bool rewriteKeys(const codec::McRequest& request, bool& rewritten);
  bool applyModes(const codec::McRequest& request);
  void countRequest(codec::McVerb verb, uint32_t stats_slot);
  PendingPtr makePending(const codec::McRequest& request, bool rewritten);
  void refuse(const codec::McRequest& request, const std::string& why);
  void forwardTo(uint32_t server, const codec::McRequest& request, bool rewritten);
  void forwardKeyless(const codec::McRequest& request, bool rewritten);
  void broadcast(const codec::McRequest& request, bool rewritten);
  void splitByServer(const codec::McRequest& request, bool rewritten);
  void restoreVersionsAfterFlush(const std::vector<Upstream*>& by_server);

  codec::McRequest request_;
  size_t skip_ = 0;  // bytes of a refused data block still to discard
  std::vector<std::string> key_storage_;     // scratch: rewritten keys of the current request
  std::vector<std::string_view> wire_keys_;  // the keys as they go upstream (empty: left out)
  std::vector<route::CacheMode> key_modes_;  // the mode of each key's cache
  std::vector<uint32_t> key_servers_;        // the backend of each key (pools)
  std::vector<std::string_view> part_keys_;  // scratch: the keys of one backend's part
  uint32_t first_cache_ = UINT32_MAX;        // stats slot of the first versioned key's cache
  bool one_cache_ = true;                    // every versioned key of the request is in it
  std::string error_;                        // scratch: a refusal built for this request
};

}  // namespace vcproxy::net
