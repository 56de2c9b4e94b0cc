#include "proxy/app/cli.h"

#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "admin/admin_client.h"
#include "admin/auth.h"

namespace vcproxy::app {
namespace {

constexpr const char* kUsage =
    "usage: vcproxy COMMAND [--admin URL] [--token TOKEN | --token-file FILE]\n"
    "  vcproxy invalidate NAME...     new versions for these caches (on every sidecar)\n"
    "  vcproxy invalidate --all       new versions for every cache\n"
    "  vcproxy versions               every cache with its version and mode\n"
    "  vcproxy explain KEY            which cache a key belongs to and what it becomes\n"
    "  --admin defaults to $VCPROXY_ADMIN or http://127.0.0.1:9100; the token to $VCPROXY_TOKEN\n";

struct Options {
  std::string admin = std::getenv("VCPROXY_ADMIN") ? std::getenv("VCPROXY_ADMIN") : "http://127.0.0.1:9100";
  std::string token = std::getenv("VCPROXY_TOKEN") ? std::getenv("VCPROXY_TOKEN") : "";
  bool all = false;
  std::vector<std::string> operands;
};

bool parse(const std::vector<std::string>& args, Options& options, std::string& error) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "--all") {
      options.all = true;
    } else if (arg == "--admin" && has_value) {
      options.admin = args[++i];
    } else if (arg == "--token" && has_value) {
      options.token = args[++i];
    } else if (arg == "--token-file" && has_value) {
      if (!admin::readTokenFile(args[++i], options.token, error)) return false;
    } else if (arg.starts_with("--")) {
      error = "unknown option " + arg;
      return false;
    } else {
      options.operands.push_back(arg);
    }
  }
  return true;
}

int call(const Options& options, const std::string& method, const std::string& path, const std::string& body) {
  const admin::HttpResult result = admin::request(options.admin, method, path, body, options.token);
  if (!result.error.empty()) {
    std::cerr << "vcproxy: " << result.error << "\n";
    return kCliUnreachable;
  }
  const auto json = nlohmann::json::parse(result.body, nullptr, false);
  if (result.status >= 400) {
    const bool has_error = json.is_object() && json.contains("error");
    std::cerr << "vcproxy: " << result.status << ": " << (has_error ? json["error"].get<std::string>() : result.body) << "\n";
    return kCliRefused;
  }
  std::cout << (json.is_discarded() ? result.body : json.dump(2)) << "\n";
  return kCliOk;
}

}  // namespace

bool isCliCommand(const std::string& word) { return word == "invalidate" || word == "versions" || word == "explain"; }

int runCli(const std::vector<std::string>& args) {
  Options options;
  std::string error;
  if (!parse(args, options, error)) {
    std::cerr << "vcproxy: " << error << "\n" << kUsage;
    return kCliUsage;
  }
  const std::string& command = args.front();
  const size_t operands = options.operands.size();
  if (command == "versions" && operands == 0 && !options.all) return call(options, "GET", "/caches", "");
  if (command == "explain" && operands == 1 && !options.all) {
    return call(options, "GET", "/explain?key=" + admin::percentEncode(options.operands[0]), "");
  }
  if (command == "invalidate" && options.all && operands == 0) return call(options, "POST", "/invalidate-all", "");
  if (command == "invalidate" && !options.all && operands > 0) {
    return call(options, "POST", "/invalidate", nlohmann::json{{"caches", options.operands}}.dump());
  }
  std::cerr << kUsage;
  return kCliUsage;
}

}  // namespace vcproxy::app
