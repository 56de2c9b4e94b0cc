// A real redis-server or memcached on a free 127.0.0.1 port, for the version store tests
// (self-contained on purpose: these tests do not depend on tests/integration).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vcproxy::versions::test {

enum class ServerKind { kRedis, kMemcached };

// A port nobody listens on right now (bind to port 0, read it, close).
int freeLoopbackPort();

class TestServer {
 public:
  explicit TestServer(ServerKind kind) : kind_(kind) {}
  ~TestServer() { stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Starts on a free port (the first time) or on the same port again; true once the server
  // accepts connections, false with why() if it did not within a few seconds.
  bool start();
  void stop();    // SIGTERM, then SIGKILL if it lingers; reaped
  // SIGSTOP, then waits until every thread has stopped: connections are accepted by the kernel,
  // nothing answers. False if the server is not running or ended instead.
  bool pause();
  void resume();  // SIGCONT

  int port() const { return port_; }
  const std::string& why() const { return why_; }

 private:
  std::vector<std::string> command() const;
  bool launch();

  ServerKind kind_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string why_;
};

}  // namespace vcproxy::versions::test
