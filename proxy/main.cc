// vcproxy: the composition root. Parses the command line, loads the config, runs the proxy.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "proxy/app/cli.h"
#include "proxy/app/control_plane.h"
#include "proxy/app/proxy_server.h"
#include "proxy/log/log.h"

namespace {

constexpr std::string_view kUsage =
    "usage:\n"
    "  vcproxy --config FILE [--log-level debug|info|warn|error] [--log-format text|json]\n"
    "                                                             run the proxy\n"
    "  vcproxy check-config FILE                                  validate a config, print every error\n"
    "  vcproxy invalidate NAME... | invalidate --all | versions | explain KEY\n"
    "                          [--admin URL] [--token T | --token-file F]   admin API client\n"
    "  vcproxy --version\n";

int checkConfig(const std::string& path) {
  const auto result = vcproxy::config::loadFile(path);
  for (const auto& error : result.errors) std::cerr << error.toString() << "\n";
  if (!result.errors.empty()) {
    std::cerr << path << ": " << result.errors.size() << " error(s)\n";
    return 1;
  }
  std::cout << path << ": ok (" << result.config->listeners.size() << " listener(s), "
            << result.config->caches.size() << " cache(s))\n";
  return 0;
}

// Blocks the signals the process handles, so that worker threads never receive them; the
// main thread then waits for them synchronously.
sigset_t blockSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

// Waits until every worker has drained; a second SIGTERM or SIGINT stops at once.
void drain(vcproxy::app::ProxyServer& server, uint32_t grace_ms, const sigset_t& signals) {
  server.beginDrain(grace_ms);
  const timespec tick{0, 20 * 1000 * 1000};
  while (!server.drained()) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      vcproxy::log::warn("second signal: closing every connection now");
      return;
    }
  }
}

int run(const std::string& path) {
  const auto result = vcproxy::config::loadFile(path);
  if (!result.errors.empty()) {
    for (const auto& error : result.errors) vcproxy::log::error(error.toString());
    return 1;
  }
  const sigset_t signals = blockSignals();
  const vcproxy::config::Config& config = *result.config;
  vcproxy::app::ControlPlane control(config, path);
  std::string error;
  if (!control.init(error)) {
    vcproxy::log::error(error);
    return 1;
  }
  vcproxy::app::ProxyServer server(config, control.initialRewriter());
  if (!server.start(error) || !control.start(server, error)) {
    vcproxy::log::error(error);
    return 1;
  }
  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      vcproxy::log::info("SIGHUP: reloading " + path);
      control.requestReload();
      continue;
    }
    vcproxy::log::info(std::string("received ") + strsignal(sig) + ": no new connections; serving open ones for up to " +
                       std::to_string(control.shutdownGraceMs()) + " ms");
    break;
  }
  drain(server, control.shutdownGraceMs(), signals);
  control.stop();
  server.stop();
  vcproxy::log::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Buffers of large values (up to max_value_bytes) are allocated and freed all the time: with
  // glibc's defaults they were mapped and unmapped, or trimmed, over and over (measured: get/set
  // of 100 KiB values at less than half the speed, and 1 KiB ones 17% slower). Keep them in the heap.
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  if (argc > 1 && vcproxy::app::isCliCommand(argv[1])) return vcproxy::app::runCli({argv + 1, argv + argc});
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--version") {
      std::cout << "vcproxy " << VCPROXY_VERSION << "\n";
      return 0;
    } else if (arg == "check-config" && has_value) {
      return checkConfig(argv[i + 1]);
    } else if ((arg == "--config" || arg == "-c") && has_value) {
      config_path = argv[++i];
    } else if (arg == "--log-level" && has_value) {
      vcproxy::log::Level level;
      if (!vcproxy::log::parseLevel(argv[++i], level)) {
        std::cerr << "unknown log level: " << argv[i] << "\n" << kUsage;
        return 2;
      }
      vcproxy::log::setLevel(level);
    } else if (arg == "--log-format" && has_value) {
      vcproxy::log::Format format;
      if (!vcproxy::log::parseFormat(argv[++i], format)) {
        std::cerr << "unknown log format: " << argv[i] << " (expected text or json)\n" << kUsage;
        return 2;
      }
      vcproxy::log::setFormat(format);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "unexpected argument: " << arg << "\n" << kUsage;
      return 2;
    }
  }
  if (config_path.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  return run(config_path);
}
