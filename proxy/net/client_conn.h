// One application connection, whatever its protocol: the socket, the in-order reply queue, and
// the rules every client gets — replies leave strictly in request order whichever upstream
// answers first, a client whose replies pile up stops being read, a half-closed client still gets
// what it asked for. Protocols derive and decode requests in processInput().
#pragma once

#include <deque>
#include <string_view>

#include "proxy/net/metrics.h"
#include "proxy/net/pending.h"
#include "proxy/net/stream_io.h"

namespace vcproxy::net {

class Worker;

class ClientConn : public ReplySink {
 public:
  ClientConn(Worker& worker, ListenerCounters& counters, bool is_unix);
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

 protected:
  // Decodes and handles what input() holds; called on new bytes and when reading resumes.
  virtual void processInput() = 0;
  // The connection is closing: release what belongs to it alone (a pinned upstream).
  virtual void onClosing() {}
  // Whether a client that closed its side still gets the replies it asked for (false: close now).
  virtual bool drainsOnEof() const { return true; }

  // A reply slot the proxy fills itself, already ready; `close_after`: the connection closes
  // once it is sent (memcached quit, protocol errors).
  void answer(std::string_view reply, bool close_after = false);
  // A slot for a request sent upstream; it leaves when its upstream fills it.
  void expectReply(const PendingPtr& pending) { replies_.push_back(pending); }
  // Stops reading while too many replies wait for this client; true if reading stopped.
  bool pauseIfOverloaded();
  bool closed() const { return closed_; }

  Worker& worker_;
  StreamIo io_;

 private:
  void markDirty();
  void onEof(int status);
  void resumeIfDrained();
  void detachReplies();
  void notifyClosing();
  void finish();  // send what is queued, then close

  ListenerCounters& counters_;
  std::deque<PendingPtr> replies_;
  bool dirty_ = false;
  bool paused_ = false;    // reading stopped: too many replies waiting for this client
  bool draining_ = false;  // the client half-closed: send what is pending, then close
  bool closed_ = false;
  bool closing_notified_ = false;
};

}  // namespace vcproxy::net
