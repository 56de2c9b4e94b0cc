#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/process.h"

namespace vcproxy::test {

struct CacheSpec {
  std::string name;
  std::vector<std::string> patterns;
};

// One memcache listener in front of `backends`, in the YAML form of ARCHITECTURE.md section 6.
struct MemcacheProxyConfig {
  std::string protocol = "memcache";  // the listener's protocol (and name): memcache or redis
  std::string name_space = "it";  // empty: no namespace line
  int workers = 2;
  uint16_t listen_port = 0;
  std::vector<std::string> backends;  // "127.0.0.1:PORT"
  int timeout_ms = 1000;
  std::vector<CacheSpec> caches;
};

std::string toYaml(const MemcacheProxyConfig& config);

// The vcproxy binary under test, run as `vcproxy --config FILE` with the given YAML text.
class ProxyProcess {
 public:
  ProxyProcess(std::string binary, std::string yaml, uint16_t listen_port);
  // Stops the proxy if start() was called; a crash, non-zero exit or hang is reported with ADD_FAILURE.
  ~ProxyProcess();
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  // Command-line arguments after `--config FILE` (e.g. {"--log-format", "json"}); before start().
  void setExtraArgs(std::vector<std::string> args) { extra_args_ = std::move(args); }
  // Starts it and waits (up to 10 s) until 127.0.0.1:listen_port accepts and the admin port's
  // /readyz answers 200 (versions loaded, backends connected). On failure the message carries the
  // proxy's stderr. A YAML without an `admin:` section gets one on a free port.
  testing::AssertionResult start();
  // SIGTERM, then checks it exited by itself with code 0 (not by a signal, not after SIGKILL).
  testing::AssertionResult stop();

  uint16_t port() const { return listen_port_; }
  uint16_t adminPort() const { return admin_port_; }
  Process* process() const { return process_.get(); }
  const std::string& configPath() const { return config_.path(); }
  std::string logs() const { return log_.read(); }
  // True once a failure returned by start() or stop() carried the logs (no need to print them again).
  bool logsReported() const { return logs_reported_; }

 private:
  std::string withLogs(const std::string& what);

  std::string binary_;
  uint16_t admin_port_ = 0;  // declared before config_, which sets it while it is built
  TempFile config_;
  TempFile log_;
  uint16_t listen_port_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<Process> process_;
  bool stopped_ = false;
  bool logs_reported_ = false;
};

// The vcproxy binary under test: $VCPROXY_BINARY, else the one the CMake `vcproxy` target
// built; empty when there is neither.
std::string vcproxyBinary();

// Stops `proxy` (a crash or unclean exit fails the test) and, when the test has failed and no
// failure message carried its logs yet, prints the tail of its log.
void stopAndReport(ProxyProcess& proxy);

// `vcproxy check-config FILE` on the given YAML text.
struct CheckConfigResult {
  ExitStatus status;
  std::string output;  // stdout and stderr
};
CheckConfigResult runCheckConfig(const std::string& binary, const std::string& yaml);

}  // namespace vcproxy::test
