#include "tests/integration/harness/proxy_process.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>

#include <thread>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::seconds(10);

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string quotedList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(items[i]);
  return out + "]";
}

}  // namespace

std::string toYaml(const MemcacheProxyConfig& config) {
  std::string yaml;
  if (!config.name_space.empty()) yaml += "namespace: " + quoted(config.name_space) + "\n";
  yaml += "workers: " + std::to_string(config.workers) + "\n";
  yaml += "listeners:\n";
  yaml += config.protocol == "redis" ? "  - name: redis\n" : "  - name: mc\n";
  yaml += "    protocol: " + config.protocol + "\n";
  yaml += "    listen: 127.0.0.1:" + std::to_string(config.listen_port) + "\n";
  yaml += "    backends: " + quotedList(config.backends) + "\n";
  yaml += "    timeout_ms: " + std::to_string(config.timeout_ms) + "\n";
  yaml += "caches:\n";
  for (const auto& cache : config.caches) {
    yaml += "  - name: " + quoted(cache.name) + "\n";
    yaml += "    patterns: " + quotedList(cache.patterns) + "\n";
  }
  return yaml;
}

namespace {

// Every proxy of a test gets its own admin port (the default 9100 would collide between tests).
std::string withAdminPort(std::string yaml, uint16_t& admin_port) {
  const size_t at = yaml.find("\nadmin:");
  if (at == std::string::npos) {
    admin_port = freePort();
    return yaml + "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) + "\n";
  }
  const size_t port_at = yaml.find("127.0.0.1:", at);
  admin_port = port_at == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(yaml.substr(port_at + 10)));
  return yaml;
}

// GET /readyz until it answers 200, as a Kubernetes readiness probe would before sending traffic.
std::string waitUntilReady(uint16_t admin_port, Process& process, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process.running()) return "vcproxy exited";
    try {
      TextClient client(admin_port, std::chrono::seconds(2));
      if (client.send("GET /readyz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")) {
        ReadResult status = client.readLine();
        if (status == "HTTP/1.1 200 OK") return {};
        last = status.data + " " + client.readUntil("}").data;
      }
    } catch (const std::exception& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "not ready within the timeout; last /readyz answer: " + last;
}

}  // namespace

ProxyProcess::ProxyProcess(std::string binary, std::string yaml, uint16_t listen_port)
    : binary_(std::move(binary)),
      config_("vcproxy.yaml", withAdminPort(std::move(yaml), admin_port_)),
      log_("vcproxy.log"),
      listen_port_(listen_port) {}

ProxyProcess::~ProxyProcess() {
  if (process_ && !stopped_) {
    if (auto stopped = stop(); !stopped) ADD_FAILURE() << stopped.message();
  }
}

std::string ProxyProcess::withLogs(const std::string& what) {
  logs_reported_ = true;
  return what + "\n--- vcproxy stderr ---\n" + logs() + "--- end of vcproxy stderr ---";
}

testing::AssertionResult ProxyProcess::start() {
  try {
    std::vector<std::string> argv{binary_, "--config", config_.path()};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<Process>(std::move(argv), log_.path());
  } catch (const std::exception& e) {
    return testing::AssertionFailure() << e.what();
  }
  std::string error = waitUntilAccepting(listen_port_, *process_, kStartTimeout);
  if (error.empty() && admin_port_ != 0) error = waitUntilReady(admin_port_, *process_, kStartTimeout);
  if (error.empty()) return testing::AssertionSuccess();
  process_->stop();
  stopped_ = true;  // reported here; the destructor must not report it again
  return testing::AssertionFailure() << withLogs("vcproxy did not start: " + error + "\nconfig:\n" + config_.read());
}

testing::AssertionResult ProxyProcess::stop() {
  if (!process_) return testing::AssertionSuccess();  // never started, or start() failed and said why
  if (stopped_) return testing::AssertionSuccess();
  stopped_ = true;
  bool was_running = process_->running();
  if (was_running) {
    process_->kill(SIGTERM);
    process_->resume();  // a paused proxy cannot act on SIGTERM
  }
  auto status = process_->wait(kStopGrace);
  if (!status) {
    process_->stop(std::chrono::milliseconds(0));
    return testing::AssertionFailure() << withLogs("vcproxy did not exit within " +
                                                   std::to_string(kStopGrace.count()) + " s of SIGTERM");
  }
  if (status->ok()) return testing::AssertionSuccess();
  std::string when = was_running ? "after SIGTERM" : "before the test ended (crash?)";
  return testing::AssertionFailure() << withLogs("vcproxy " + status->describe() + " " + when);
}

std::string vcproxyBinary() {
  if (const char* path = std::getenv("VCPROXY_BINARY"); path && *path) return path;
#ifdef VCPROXY_BINARY
  return VCPROXY_BINARY;
#else
  return {};
#endif
}

void stopAndReport(ProxyProcess& proxy) {
  constexpr size_t kLogTail = 64 * 1024;
  EXPECT_TRUE(proxy.stop());
  if (!testing::Test::HasFailure() || proxy.logsReported()) return;
  std::string logs = proxy.logs();
  if (logs.size() > kLogTail) logs = "...\n" + logs.substr(logs.size() - kLogTail);
  std::cout << "--- vcproxy :" << proxy.port() << " admin :" << proxy.adminPort() << " (" << proxy.configPath()
            << ") ---\n" << logs << "--- end ---\n";
}

CheckConfigResult runCheckConfig(const std::string& binary, const std::string& yaml) {
  TempFile config("check.yaml", yaml);
  TempFile output("check.log");
  Process process({binary, "check-config", config.path()}, output.path());
  CheckConfigResult result;
  auto status = process.wait(kStartTimeout);
  result.status = status ? *status : process.stop();
  result.output = output.read();
  return result;
}

}  // namespace vcproxy::test
