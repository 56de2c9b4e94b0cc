// Clients that keep a proxy busy for the tests under load (reload, invalidation, SIGTERM): each
// thread owns one connection for the whole run and sets then gets its own key in a loop, checking
// every reply. A get may miss (an invalidation came between the set and the get) but must never
// return another value. An error reply, a wrong value or a lost connection is a failure, and ends
// that connection's loop (its stream can no longer be trusted).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vcproxy::test {

enum class LoadProtocol { memcache, redis };

struct LoadTally {
  uint64_t requests = 0;     // replies received and checked
  uint64_t misses = 0;       // gets that missed right after their set
  uint64_t failures = 0;     // error replies, wrong values, lost connections
  std::vector<std::string> first_failures;  // what the first few were

  std::string describe() const;
};

class LoadClients {
 public:
  // Connects `clients` connections to 127.0.0.1:port (throws std::runtime_error if one cannot).
  LoadClients(LoadProtocol protocol, uint16_t port, int clients);
  ~LoadClients();  // stop()
  LoadClients(const LoadClients&) = delete;
  LoadClients& operator=(const LoadClients&) = delete;

  // Ends every loop after its current request and closes the connections; idempotent.
  void stop();
  LoadTally tally() const;

 private:
  struct Connection;
  void run(Connection& connection, int index);
  void record(const std::string& failure);

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> misses_{0};
  mutable std::mutex mutex_;  // guards failures_
  LoadTally failures_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<std::thread> threads_;
};

}  // namespace vcproxy::test
