#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/process.h"

namespace vcproxy::test {

// A real server process on a free 127.0.0.1 port, started by the constructor and ready (accepting)
// when it returns. Throws std::runtime_error with the server's output if it cannot be started.
class LocalServer {
 public:
  virtual ~LocalServer() { stop(); }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return process_ && process_->running(); }
  Process* process() const { return process_.get(); }
  std::string output() const { return log_.read(); }

  void stop();     // stop and reap; port() stays reserved for restart()
  void restart();  // stop (if running) and start again on the same port

 protected:
  // `stop_signal` ends the server quickly and for good (SIGKILL is fine for a cache without persistence).
  LocalServer(std::string name, int stop_signal);
  // Starts on a fresh free port, retrying if another process grabbed it first.
  void start();

 private:
  virtual std::vector<std::string> commandFor(uint16_t port) const = 0;
  std::string launch();  // empty on success, else why not

  std::string name_;
  int stop_signal_;
  TempFile log_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

// memcached -l 127.0.0.1 -p PORT -U 0 -t 1 -m 64 (plus -u root when running as root).
class MemcachedServer : public LocalServer {
 public:
  MemcachedServer();

 private:
  std::vector<std::string> commandFor(uint16_t port) const override;
};

// redis-server --port PORT --bind 127.0.0.1 --save "" --appendonly no, then `extra` arguments
// (e.g. {"--requirepass", "secret"}).
class RedisServer : public LocalServer {
 public:
  explicit RedisServer(std::vector<std::string> extra = {});

 private:
  std::vector<std::string> commandFor(uint16_t port) const override;

  std::vector<std::string> extra_;
};

}  // namespace vcproxy::test
