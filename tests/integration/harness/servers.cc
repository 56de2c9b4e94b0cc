#include "tests/integration/harness/servers.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "tests/integration/harness/ports.h"

namespace vcproxy::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int kStartAttempts = 3;

}  // namespace

LocalServer::LocalServer(std::string name, int stop_signal)
    : name_(std::move(name)), stop_signal_(stop_signal), log_(name_ + ".log") {}

void LocalServer::start() {
  std::string error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = freePort();
    error = launch();
    if (error.empty()) return;
  }
  throw std::runtime_error(name_ + " did not start: " + error + "\n--- " + name_ + " output ---\n" + output());
}

std::string LocalServer::launch() {
  process_ = std::make_unique<Process>(commandFor(port_), log_.path());
  return waitUntilAccepting(port_, *process_, kStartTimeout);
}

void LocalServer::stop() {
  if (process_) process_->stop(std::chrono::seconds(5), stop_signal_);
}

void LocalServer::restart() {
  stop();
  // The same port may briefly be refused to bind right after a stop; retrying covers that.
  std::string error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    error = launch();
    if (error.empty()) return;
  }
  throw std::runtime_error(name_ + " did not restart on " + address() + ": " + error + "\n--- " + name_ +
                           " output ---\n" + output());
}

// memcached acts on SIGTERM only at its next clock tick (up to 1 s) and keeps nothing worth a clean exit.
MemcachedServer::MemcachedServer() : LocalServer("memcached", SIGKILL) { start(); }

std::vector<std::string> MemcachedServer::commandFor(uint16_t port) const {
  std::vector<std::string> argv = {"memcached", "-l", "127.0.0.1", "-p", std::to_string(port),
                                   "-U", "0", "-t", "1", "-m", "64"};
  if (geteuid() == 0) {  // memcached refuses to run as root without -u
    argv.push_back("-u");
    argv.push_back("root");
  }
  return argv;
}

RedisServer::RedisServer(std::vector<std::string> extra) : LocalServer("redis", SIGTERM), extra_(std::move(extra)) {
  start();
}

std::vector<std::string> RedisServer::commandFor(uint16_t port) const {
  std::vector<std::string> command{"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no"};
  command.insert(command.end(), extra_.begin(), extra_.end());
  return command;
}

}  // namespace vcproxy::test
