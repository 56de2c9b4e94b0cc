// Runs the data path described by a config: workers, their listeners and upstreams.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "proxy/net/worker.h"
#include "proxy/route/rewriter.h"

namespace vcproxy::app {

class ProxyServer {
 public:
  ProxyServer(const config::Config& config, std::shared_ptr<const route::Rewriter> rewriter);
  ~ProxyServer();

  // Binds every listener on every worker and starts the threads; false with `error` if not.
  bool start(std::string& error);
  void stop();
  // Stop accepting; each worker ends once its clients have closed or `grace_ms` passed.
  void beginDrain(uint64_t grace_ms);
  bool drained() const;
  bool draining() const { return draining_; }
  // Whether every worker is using `rewriter` (a publish has taken effect everywhere).
  bool applied(const route::Rewriter* rewriter) const;
  // Thread-safe: every worker swaps to `rewriter` on its next loop iteration.
  void publish(const std::shared_ptr<const route::Rewriter>& rewriter);
  // For metrics and readiness; fixed once start() returned.
  const std::vector<std::unique_ptr<net::Worker>>& workers() const { return workers_; }

 private:
  const config::Config& config_;
  std::shared_ptr<const route::Rewriter> rewriter_;
  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::atomic<bool> draining_{false};
};


}  // namespace vcproxy::app
