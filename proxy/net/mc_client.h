// One application connection speaking the memcached text/meta protocol.
//
// Requests are decoded in place from the connection's buffer, their keys rewritten, and sent
// to an upstream connection; each gets a slot in `replies_`, and slots leave strictly in
// request order, whichever upstream answers first.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "proxy/codec/mc_request.h"
#include "proxy/net/pending.h"
#include "proxy/net/stream_io.h"
#include "proxy/route/version.h"

namespace vcproxy::net {

class McListener;
class McUpstream;
class Worker;

class McClientConn final : public ReplySink {
 public:
  McClientConn(McListener& listener, bool is_unix);
  ~McClientConn();
  McClientConn(const McClientConn&) = delete;
  McClientConn& operator=(const McClientConn&) = delete;

  StreamIo& io() { return io_; }
  void start();
  void onReplyReady(Pending& pending) override;
  void countHits(const Pending& pending, std::string_view reply);
  // Moves the replies that are ready, in order, to the socket (once per loop iteration).
  void flushReplies();
  void close();

 private:
  void processInput();
  void onEof(int status);
  void handleRequest(const codec::McRequest& request);
  bool rewriteKeys(const codec::McRequest& request, bool& rewritten);
  bool applyModes(const codec::McRequest& request);
  void countRequest(codec::McVerb verb, uint32_t stats_slot);
  void restoreVersionsAfterFlush(McUpstream& upstream);
  void answer(std::string_view reply, bool close_after = false);
  void markDirty();
  void detachReplies();
  void finish();  // send what is queued, then close
  bool overloaded() const;
  void resumeIfDrained();

  McListener& listener_;
  Worker& worker_;
  StreamIo io_;
  std::deque<PendingPtr> replies_;
  codec::McRequest request_;
  size_t skip_ = 0;  // bytes of a refused data block still to discard
  bool dirty_ = false;
  bool paused_ = false;    // reading stopped: too many replies waiting for this client
  bool draining_ = false;  // the client half-closed: send what is pending, then close
  bool closed_ = false;
  std::vector<std::string> key_storage_;     // scratch: rewritten keys of the current request
  std::vector<std::string_view> wire_keys_;  // the keys as they go upstream (empty: left out)
  std::vector<route::CacheMode> key_modes_;  // the mode of each key's cache
  uint32_t first_cache_ = UINT32_MAX;  // stats slot of the first key's cache
  std::string error_;                        // scratch: a refusal built for this request

  friend class Worker;
};

}  // namespace vcproxy::net
