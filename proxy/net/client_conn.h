// One application connection, whatever its protocol: the socket, the in-order reply queue, and
// the rules every client gets — replies leave strictly in request order whichever upstream
// answers first, a client whose replies pile up stops being read, a half-closed client still gets
// what it asked for, and the listener's client limits (idle, slow request, unread replies) are
// enforced. Protocols derive and decode requests in processInput().
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "proxy/net/client_limits.h"
#include "proxy/net/metrics.h"
#include "proxy/net/pending.h"
#include "proxy/net/stream_io.h"

namespace vcproxy::net {

class Listener;
class Worker;

class ClientConn : public ReplySink {
 public:
  // The listener has taken a connection slot for this client; it is given back on destruction.
  ClientConn(Listener& listener, bool is_unix);
  virtual ~ClientConn();
  ClientConn(const ClientConn&) = delete;
  ClientConn& operator=(const ClientConn&) = delete;

  StreamIo& io() { return io_; }
  void start();
  void onReplyReady(Pending& pending) override;
  void onUnsolicited(PendingPtr message, const Pending* before) override;
  // Moves the replies that are ready, in order, to the socket (once per loop iteration).
  void flushReplies();
  void close();
  // The worker switched to versions where some cache has a new version.
  virtual void onVersionsChanged() {}
  // Closes the client if it broke one of its listener's timeouts (`now`: loop time, ms).
  void checkTimeouts(uint64_t now);

 protected:
  // Decodes and handles what input() holds; called on new bytes and when reading resumes.
  virtual void processInput() = 0;
  // The connection is closing: release what belongs to it alone (a pinned upstream).
  virtual void onClosing() {}
  // Whether a client that closed its side still gets the replies it asked for (false: close now).
  virtual bool drainsOnEof() const { return true; }
  // Still inside a request although the input is empty (a refused data block being skipped).
  virtual bool midRequest() const { return false; }
  // Waiting for messages it did not ask for (pub/sub): never idle, as in Redis.
  virtual bool idleExempt() const { return false; }
  // The protocol's error for a request that did not arrive within `timeout_ms`.
  virtual std::string requestTimeoutReply(uint32_t timeout_ms) const = 0;

  // A reply slot the proxy fills itself, already ready; `close_after`: the connection closes
  // once it is sent (memcached quit, protocol errors).
  void answer(std::string_view reply, bool close_after = false);
  // A slot for a request sent upstream; it leaves when its upstream fills it.
  void expectReply(const PendingPtr& pending) { replies_.push_back(pending); }
  // Stops reading while too many replies wait for this client; true if reading stopped.
  bool pauseIfOverloaded();
  bool closed() const { return closed_; }

  Listener& listener_;
  Worker& worker_;
  StreamIo io_;

 private:
  void onData();
  void decodeInput();  // processInput(), then notes when the request left over started
  void markDirty();
  void onEof(int status);
  void resumeIfDrained();
  void detachReplies();
  void notifyClosing();
  void finish();  // send what is queued, then close
  bool writeStalled(uint64_t now);
  void timeOut(Counter& counter);

  ListenerCounters& counters_;
  const ClientLimits& limits_;
  std::deque<PendingPtr> replies_;
  uint64_t last_activity_ms_ = 0;    // loop time of the last bytes received or replies sent
  uint64_t request_started_ms_ = 0;  // loop time the unfinished request began; 0: none
  uint64_t stall_started_ms_ = 0;    // loop time output last moved while some waited; 0: none waits
  uint64_t sent_at_stall_check_ = 0;
  bool dirty_ = false;
  bool paused_ = false;    // reading stopped: too many replies waiting for this client
  bool draining_ = false;  // the client half-closed: send what is pending, then close
  bool closed_ = false;
  bool closing_notified_ = false;
};

}  // namespace vcproxy::net
