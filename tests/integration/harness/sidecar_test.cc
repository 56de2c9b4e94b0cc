#include "tests/integration/harness/sidecar_test.h"

#include <cstdlib>
#include <iostream>
#include <string_view>
#include <thread>

#include "tests/integration/harness/ports.h"

namespace vcproxy::test {
namespace {

std::string resp(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

}  // namespace

std::string sidecarYaml(const SidecarOptions& options, uint16_t listen_port, uint16_t admin_port) {
  MemcacheProxyConfig config;
  config.name_space = options.name_space;
  config.workers = options.workers;
  config.listen_port = listen_port;
  config.backends = options.backends;
  config.caches = options.caches;
  std::string yaml = toYaml(config);
  yaml += "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) + "\n";
  if (!options.token_file.empty()) yaml += "  token_file: \"" + options.token_file + "\"\n";
  const bool store = !options.store_url.empty() || options.refresh_interval_ms || options.max_staleness_ms;
  if (store) yaml += "version_store:\n";
  if (!options.store_url.empty()) yaml += "  url: \"" + options.store_url + "\"\n";
  if (options.refresh_interval_ms) yaml += "  refresh_interval_ms: " + std::to_string(options.refresh_interval_ms) + "\n";
  if (options.max_staleness_ms) yaml += "  max_staleness_ms: " + std::to_string(options.max_staleness_ms) + "\n";
  return yaml;
}

std::string SidecarTest::binary() { return vcproxyBinary(); }

void SidecarTest::SetUp() {
  const char* direct = std::getenv("VCPROXY_TEST_DIRECT");
  if (direct && std::string_view(direct) == "1") GTEST_SKIP() << "shared versions and the admin API are vcproxy's own";
  if (binary().empty()) GTEST_SKIP() << "no vcproxy binary (no `vcproxy` CMake target, VCPROXY_BINARY unset)";
}

void SidecarTest::TearDown() {
  for (auto& proxy : proxies_) stopAndReport(*proxy);
  proxies_.clear();
}

ProxyProcess* SidecarTest::startSidecar(const SidecarOptions& options) {
  const uint16_t port = freePort();
  const uint16_t admin_port = freePort();
  auto proxy = std::make_unique<ProxyProcess>(binary(), sidecarYaml(options, port, admin_port), port);
  if (auto started = proxy->start(); !started) {
    ADD_FAILURE() << started.message();
    return nullptr;
  }
  proxies_.push_back(std::move(proxy));
  return proxies_.back().get();
}

GetResult mcGet(TextClient& client, const std::string& key) {
  GetResult result;
  if (auto sent = client.send("get " + key + "\r\n"); !sent) {
    result.error = sent.message();
    return result;
  }
  const ReadResult line = client.readLine();
  if (line == "END") return result;
  const std::string header = "VALUE " + key + " ";
  if (!line.ok() || !line.data.starts_with(header)) {
    result.error = "unexpected reply to get " + key + ": " + line.data + " " + line.error;
    return result;
  }
  const size_t length_at = line.data.rfind(' ');
  const ReadResult data = client.readExactly(std::stoul(line.data.substr(length_at + 1)) + 2);
  const ReadResult end = client.readLine();
  if (!data.ok() || !(end == "END")) {
    result.error = "truncated reply to get " + key + ": " + data.error + " " + end.data + " " + end.error;
    return result;
  }
  result.hit = true;
  result.value = data.data.substr(0, data.data.size() - 2);
  return result;
}

ReadResult mcSet(TextClient& client, const std::string& key, const std::string& value) {
  if (auto sent = client.send("set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n"); !sent) {
    return ReadResult{{}, sent.message()};
  }
  return client.readLine();
}

std::optional<std::string> redisHget(uint16_t port, const std::string& key, const std::string& field) {
  TextClient client(port);
  if (!client.send(resp({"HGET", key, field}))) return std::nullopt;
  const ReadResult header = client.readLine();
  if (!header.ok() || header.data.size() < 2 || header.data[0] != '$' || header.data == "$-1") return std::nullopt;
  const ReadResult data = client.readExactly(std::stoul(header.data.substr(1)) + 2);
  if (!data.ok()) return std::nullopt;
  return data.data.substr(0, data.data.size() - 2);
}

std::optional<std::string> memcachedGet(uint16_t port, const std::string& key) {
  TextClient client(port);
  const GetResult result = mcGet(client, key);
  if (!result.hit) return std::nullopt;
  return result.value;
}

std::optional<std::chrono::microseconds> pollUntil(std::chrono::milliseconds limit, const std::function<bool()>& done,
                                                   std::chrono::milliseconds pause) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (done()) return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    if (std::chrono::steady_clock::now() - start > limit) return std::nullopt;
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
}

double toMs(std::chrono::microseconds elapsed) { return static_cast<double>(elapsed.count()) / 1000.0; }

}  // namespace vcproxy::test
