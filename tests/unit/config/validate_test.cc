// Validation rules for the top level and the listeners; each failing case checks the
// position and that the message says what was expected.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "tests/unit/config/expect_errors.h"

namespace vcproxy::config {
namespace {

// A valid minimal config; tests append lines (line 6 onwards) or replace one.
constexpr std::string_view kListener = R"(listeners:
  - name: mc
    protocol: memcache
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:11211]
)";

std::string withLine(std::string_view line) {
  return std::string(kListener) + std::string(line) + "\n";
}

// kListener with the first occurrence of `from` replaced by `to`.
std::string replaced(std::string_view from, std::string_view to) {
  std::string text(kListener);
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Validate, MinimalConfigGetsDefaults) {
  Config config = loadsOk(kListener);
  EXPECT_EQ(config.namespace_name, "");
  EXPECT_EQ(config.workers, 0u);
  EXPECT_EQ(config.admin.listen.host, "127.0.0.1");
  EXPECT_EQ(config.admin.listen.port, 9100);
  EXPECT_EQ(config.admin.listen.text, "127.0.0.1:9100");
  EXPECT_FALSE(config.admin.listen.is_unix);
  EXPECT_EQ(config.admin.token_file, "");
  EXPECT_TRUE(config.version_store.url.empty());
  EXPECT_TRUE(config.caches.empty());
  ASSERT_EQ(config.listeners.size(), 1u);
  const Listener& listener = config.listeners[0];
  EXPECT_EQ(listener.timeout_ms, 1000u);
  EXPECT_EQ(listener.connect_timeout_ms, 1000u);
  EXPECT_EQ(listener.max_value_bytes, 1048576u);
  EXPECT_EQ(listener.backend_connections, 1u);
  EXPECT_EQ(listener.max_client_connections, 10000u);
  EXPECT_EQ(listener.client_idle_timeout_ms, 0u);
  EXPECT_EQ(listener.client_request_timeout_ms, 30000u);
  EXPECT_EQ(listener.client_write_timeout_ms, 30000u);
  EXPECT_EQ(listener.client_max_pending_replies, 4096u);
  EXPECT_EQ(listener.client_max_pending_bytes, 4194304u);
}

TEST(Validate, ExplicitValuesReplaceDefaults) {
  Config config = loadsOk("namespace: ns.1_a-b\nworkers: 8\n" + withLine("    timeout_ms: 250") +
                          "    connect_timeout_ms: 600000\n    max_value_bytes: 1073741824\n"
                          "    backend_connections: 64\n");
  EXPECT_EQ(config.namespace_name, "ns.1_a-b");
  EXPECT_EQ(config.workers, 8u);
  ASSERT_EQ(config.listeners.size(), 1u);
  EXPECT_EQ(config.listeners[0].timeout_ms, 250u);
  EXPECT_EQ(config.listeners[0].connect_timeout_ms, 600000u);
  EXPECT_EQ(config.listeners[0].max_value_bytes, 1073741824u);
  EXPECT_EQ(config.listeners[0].backend_connections, 64u);
}

TEST(UnknownKeys, InListener) {
  EXPECT_TRUE(
      hasOneError(withLine("    listner: x"), 6, 5,
                  {"unknown key \"listner\" in listeners[0]; expected one of name, protocol, "
                   "listen, backends, timeout_ms, connect_timeout_ms, max_value_bytes, "
                   "backend_connections, server_failure_limit, auto_eject_hosts, "
                   "server_retry_timeout_ms, password_file, password_env, backend_auth, cluster, read_from, "
                   "max_client_connections, client_idle_timeout_ms, "
                   "client_request_timeout_ms, client_write_timeout_ms, client_max_pending_replies, "
                   "client_max_pending_bytes"}));
}

TEST(UnknownKeys, AtTopLevel) {
  EXPECT_TRUE(
      hasOneError(withLine("cache: []"), 6, 1,
                  {"unknown key \"cache\" at top level; expected one of namespace, workers, "
                   "listeners, admin, version_store, caches"}));
}

TEST(UnknownKeys, DuplicateKey) {
  EXPECT_TRUE(hasOneError(withLine("    name: again"), 6, 5,
                          {"duplicate key \"name\" in listeners[0]", "first at line 2"}));
}

TEST(UnknownKeys, NonStringKey) {
  EXPECT_TRUE(hasOneError(withLine("? [a]\n: 1"), 6, 3,
                          {"expected a string key at top level, got a list"}));
}

TEST(Namespace, Rules) {
  constexpr std::string_view kWhat =
      "namespace: expected at most 64 characters from [A-Za-z0-9_.-]";
  EXPECT_TRUE(hasOneError("namespace: \"shop:v42\"\n" + std::string(kListener), 1, 12,
                          {kWhat, "got \"shop:v42\" (contains \":\")"}));
  EXPECT_TRUE(hasOneError("namespace: \"a b\"\n" + std::string(kListener), 1, 12,
                          {kWhat, "contains \" \""}));
  EXPECT_TRUE(hasOneError("namespace: " + std::string(65, 'n') + "\n" + std::string(kListener), 1,
                          12, {kWhat, "(65 characters)"}));
  EXPECT_TRUE(
      hasOneError("namespace: [a]\n" + std::string(kListener), 1, 12, {kWhat, "got a list"}));

  EXPECT_EQ(loadsOk("namespace: " + std::string(64, 'n') + "\n" + std::string(kListener))
                .namespace_name.size(),
            64u);
  EXPECT_EQ(loadsOk("namespace: \"\"\n" + std::string(kListener)).namespace_name, "");
  EXPECT_EQ(loadsOk("namespace:\n" + std::string(kListener)).namespace_name, "");
}

TEST(Workers, Rules) {
  constexpr std::string_view kWhat = "workers: expected \"auto\" or an integer 1..256";
  for (const char* bad : {"0", "257", "-1", "1.5", "four", "[1]", "\"4\"", "0x10", "1e2"}) {
    EXPECT_TRUE(
        hasOneError("workers: " + std::string(bad) + "\n" + std::string(kListener), 1, 10, {kWhat}))
        << bad;
  }
  EXPECT_TRUE(hasOneError("workers: 0\n" + std::string(kListener), 1, 10, {"got 0"}));
  EXPECT_TRUE(hasOneError("workers: \"4\"\n" + std::string(kListener), 1, 10, {"quoted"}));
  EXPECT_EQ(loadsOk("workers: auto\n" + std::string(kListener)).workers, 0u);
  EXPECT_EQ(loadsOk("workers: 1\n" + std::string(kListener)).workers, 1u);
  EXPECT_EQ(loadsOk("workers: 256\n" + std::string(kListener)).workers, 256u);
}

TEST(Listeners, RequiredAndNonEmpty) {
  EXPECT_TRUE(hasOneError("workers: 2\n", 1, 1, {"missing required key \"listeners\""}));
  EXPECT_TRUE(
      hasOneError("listeners: []\n", 1, 12,
                  {"listeners: expected a non-empty list of listeners, got an empty list"}));
  EXPECT_TRUE(
      hasOneError("listeners: {a: 1}\n", 1, 12, {"expected a non-empty list", "got a map"}));
  EXPECT_TRUE(hasOneError("listeners:\n", 1, 1, {"expected a non-empty list", "got null"}));
  EXPECT_TRUE(hasOneError("listeners:\n  - x\n", 2, 5,
                          {"listeners[0]: expected a listener map with name, protocol, listen, "
                           "backends, got \"x\""}));
  EXPECT_TRUE(hasOneError("listeners:\n  -\n", 2, 3,
                          {"listeners[0]: expected a listener map", "got null"}));
}

TEST(Listeners, RequiredKeys) {
  EXPECT_TRUE(hasOneError(replaced("name: mc\n    ", ""), 2, 5,
                          {"listeners[0]: missing required key \"name\""}));
  EXPECT_TRUE(hasOneError(replaced("protocol: memcache\n    ", ""), 2, 5,
                          {"listeners[0]: missing required key \"protocol\""}));
  EXPECT_TRUE(hasOneError(replaced("listen: 127.0.0.1:11311\n    ", ""), 2, 5,
                          {"listeners[0]: missing required key \"listen\""}));
  EXPECT_TRUE(hasOneError(replaced("\n    backends: [127.0.0.1:11211]", ""), 2, 5,
                          {"listeners[0]: missing required key \"backends\""}));
  EXPECT_TRUE(hasOneError(replaced("name: mc", "name:"), 2, 5,
                          {"listeners[0].name: expected a non-empty name", "got null"}));
}

TEST(Listeners, Name) {
  constexpr std::string_view kWhat =
      "listeners[0].name: expected a non-empty name of characters from [A-Za-z0-9_.-]";
  EXPECT_TRUE(hasOneError(replaced("name: mc", "name: a:b"), 2, 11,
                          {kWhat, "got \"a:b\" (contains \":\")"}));
  EXPECT_TRUE(hasOneError(replaced("name: mc", "name: \"\""), 2, 11, {kWhat, "got \"\""}));
  EXPECT_TRUE(hasOneError(replaced("name: mc", "name: {a: b}"), 2, 11, {kWhat, "got a map"}));
}

TEST(Listeners, NamesAreUnique) {
  constexpr std::string_view kTwo = R"(listeners:
  - name: mc
    protocol: memcache
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:11211]
  - name: mc
    protocol: redis
    listen: 127.0.0.1:6380
    backends: [127.0.0.1:6379]
)";
  EXPECT_TRUE(
      hasOneError(kTwo, 6, 11,
                  {"listeners[1].name: listener name \"mc\" is already used by listeners[0]",
                   "expected unique names"}));
}

TEST(Listeners, Protocol) {
  LoadResult result = loadString(replaced("memcache", "memcached"), "vcproxy.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
  EXPECT_EQ(result.errors[0].toString(),
            "vcproxy.yaml:3:15: listeners[0].protocol: expected one of memcache, redis, got "
            "\"memcached\"");
  EXPECT_TRUE(hasOneError(replaced("memcache", "[redis]"), 3, 15,
                          {"expected one of memcache, redis, got a list"}));
  EXPECT_EQ(loadsOk(replaced("memcache", "redis")).listeners[0].protocol, Protocol::kRedis);
}

TEST(Listeners, Listen) {
  constexpr std::string_view kWhat =
      "listeners[0].listen: expected host:port, [v6]:port or unix:/absolute/path";
  EXPECT_TRUE(hasOneError(replaced("127.0.0.1:11311", "127.0.0.1"), 4, 13,
                          {kWhat, "got \"127.0.0.1\" (missing port)"}));
  EXPECT_TRUE(hasOneError(replaced("127.0.0.1:11311", "127.0.0.1:0"), 4, 13,
                          {kWhat, "(port must be an integer 1..65535)"}));
  EXPECT_TRUE(
      hasOneError(replaced("127.0.0.1:11311", "unix:relative.sock"), 4, 13, {kWhat, "absolute"}));
  EXPECT_TRUE(
      hasOneError(replaced("127.0.0.1:11311", "[a]"), 4, 13, {kWhat, "got a list", "quote IPv6"}));

  Config v6 = loadsOk(replaced("127.0.0.1:11311", "\"[::1]:11311\""));
  EXPECT_EQ(v6.listeners[0].listen.host, "::1");
  EXPECT_EQ(v6.listeners[0].listen.port, 11311);
  Config unix_socket = loadsOk(replaced("127.0.0.1:11311", "unix:/run/mc.sock"));
  EXPECT_TRUE(unix_socket.listeners[0].listen.is_unix);
  EXPECT_EQ(unix_socket.listeners[0].listen.path, "/run/mc.sock");
}

TEST(Listeners, ListenAddressesAreUnique) {
  constexpr std::string_view kTwo = R"(listeners:
  - name: mc
    protocol: memcache
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:11211]
  - name: redis
    protocol: redis
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:6379]
)";
  EXPECT_TRUE(hasOneError(kTwo, 8, 13,
                          {"listeners[1].listen: address \"127.0.0.1:11311\" is already used by "
                           "listeners[0].listen; expected a distinct address"}));
  EXPECT_TRUE(hasOneError(replaced("127.0.0.1:11311", "127.0.0.1:9100"), 4, 13,
                          {"already used by admin.listen"}));
  EXPECT_TRUE(hasOneError("admin:\n  listen: 127.0.0.1:11311\n" + std::string(kListener), 6, 13,
                          {"already used by admin.listen"}));
}

TEST(Listeners, Backends) {
  constexpr std::string_view kList = "[127.0.0.1:11211]";
  EXPECT_TRUE(hasOneError(replaced(kList, "[]"), 5, 15,
                          {"listeners[0].backends: expected a non-empty list of backend endpoints, "
                           "got an empty list"}));
  EXPECT_TRUE(
      hasOneError(replaced(kList, "{a: 1}"), 5, 15, {"expected a non-empty list", "got a map"}));
  EXPECT_TRUE(hasOneError(replaced(kList, "[127.0.0.1:11211, nope]"), 5, 33,
                          {"listeners[0].backends[1]: expected host:port, [v6]:port or "
                           "unix:/absolute/path, got \"nope\" (missing port)"}));
  EXPECT_TRUE(hasOneError(replaced(kList, "[127.0.0.1:11211, 127.0.0.1:11211]"), 5, 33,
                          {"listeners[0].backends[1]: backend \"127.0.0.1:11211\" is listed twice",
                           "expected each backend once"}));
  EXPECT_TRUE(
      hasOneError(replaced(kList, "bad"), 5, 15, {"listeners[0].backends: expected host:port"}));

  Config single = loadsOk(replaced(kList, "127.0.0.1:11211"));
  ASSERT_EQ(single.listeners[0].backends.size(), 1u);
  EXPECT_EQ(single.listeners[0].backends[0].port, 11211);
  Config block = loadsOk(replaced(kList, "\n      - 10.0.0.1:11211\n      - \"[::1]:11212\""));
  ASSERT_EQ(block.listeners[0].backends.size(), 2u);
  EXPECT_EQ(block.listeners[0].backends[0].host, "10.0.0.1");
  EXPECT_EQ(block.listeners[0].backends[1].host, "::1");
}

TEST(Listeners, TimeoutRanges) {
  constexpr std::string_view kWhat = "listeners[0].timeout_ms: expected an integer 1..600000";
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: 0"), 6, 17, {kWhat, "got 0"}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: 600001"), 6, 17, {kWhat, "got 600001"}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: -5"), 6, 17, {kWhat, "got -5"}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: 2.5"), 6, 17, {kWhat, "got 2.5"}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: soon"), 6, 17, {kWhat, "got \"soon\""}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: [1]"), 6, 17, {kWhat, "got a list"}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: 99999999999999999999999"), 6, 17, {kWhat}));
  EXPECT_TRUE(hasOneError(withLine("    timeout_ms: \"5\""), 6, 17, {kWhat, "quoted"}));
  EXPECT_TRUE(
      hasOneError(withLine("    connect_timeout_ms: 0"), 6, 25,
                  {"listeners[0].connect_timeout_ms: expected an integer 1..600000, got 0"}));
  EXPECT_EQ(loadsOk(withLine("    timeout_ms: 1")).listeners[0].timeout_ms, 1u);
  EXPECT_EQ(loadsOk(withLine("    timeout_ms: !!int 7")).listeners[0].timeout_ms, 7u);
  EXPECT_EQ(loadsOk(withLine("    timeout_ms:")).listeners[0].timeout_ms, 1000u);  // null = default
}

TEST(Listeners, ValueSizeAndConnectionRanges) {
  EXPECT_TRUE(hasOneError(withLine("    max_value_bytes: 1073741825"), 6, 22,
                          {"listeners[0].max_value_bytes: expected an integer 1..1073741824, got "
                           "1073741825"}));
  EXPECT_TRUE(hasOneError(withLine("    max_value_bytes: 0"), 6, 22, {"1..1073741824"}));
  EXPECT_TRUE(hasOneError(withLine("    backend_connections: 65"), 6, 26,
                          {"listeners[0].backend_connections: expected an integer 1..64, got 65"}));
  EXPECT_TRUE(hasOneError(withLine("    backend_connections: 0"), 6, 26, {"1..64"}));
  EXPECT_EQ(loadsOk(withLine("    max_value_bytes: 1")).listeners[0].max_value_bytes, 1u);
  EXPECT_EQ(loadsOk(withLine("    backend_connections: 1")).listeners[0].backend_connections, 1u);
}

TEST(Listeners, ClientLimits) {
  const Listener listener = loadsOk(withLine("    max_client_connections: 0") +
                                    "    client_idle_timeout_ms: 86400000\n    client_request_timeout_ms: 0\n"
                                    "    client_write_timeout_ms: 250\n    client_max_pending_replies: 1\n"
                                    "    client_max_pending_bytes: 65536\n")
                                .listeners[0];
  EXPECT_EQ(listener.max_client_connections, 0u);
  EXPECT_EQ(listener.client_idle_timeout_ms, 86400000u);
  EXPECT_EQ(listener.client_request_timeout_ms, 0u);
  EXPECT_EQ(listener.client_write_timeout_ms, 250u);
  EXPECT_EQ(listener.client_max_pending_replies, 1u);
  EXPECT_EQ(listener.client_max_pending_bytes, 65536u);
  EXPECT_TRUE(hasOneError(withLine("    max_client_connections: 1000001"), 6, 29,
                          {"listeners[0].max_client_connections: expected an integer 0..1000000, got 1000001"}));
  EXPECT_TRUE(hasOneError(withLine("    client_idle_timeout_ms: -1"), 6, 29, {"0..86400000"}));
  EXPECT_TRUE(hasOneError(withLine("    client_request_timeout_ms: \"5\""), 6, 32, {"quoted string"}));
  EXPECT_TRUE(hasOneError(withLine("    client_write_timeout_ms: 86400001"), 6, 30, {"0..86400000"}));
  EXPECT_TRUE(hasOneError(withLine("    client_max_pending_replies: 0"), 6, 33, {"1..1000000"}));
  EXPECT_TRUE(hasOneError(withLine("    client_max_pending_bytes: 65535"), 6, 31, {"65536..1073741824"}));
}

}  // namespace
}  // namespace vcproxy::config
