// Validation rules for admin, version_store and caches, and many errors in one file.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "tests/unit/config/expect_errors.h"

namespace vcproxy::config {
namespace {

// A valid minimal config (5 lines); tests append sections from line 6.
constexpr std::string_view kListener = R"(listeners:
  - name: mc
    protocol: memcache
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:11211]
)";

std::string with(std::string_view section) { return std::string(kListener) + std::string(section); }

TEST(Admin, Rules) {
  EXPECT_TRUE(
      hasOneError(with("admin: 127.0.0.1:9100\n"), 6, 8,
                  {"admin: expected a map with listen, token_file, got \"127.0.0.1:9100\""}));
  EXPECT_TRUE(
      hasOneError(with("admin:\n  listen: localhost\n"), 7, 11,
                  {"admin.listen: expected host:port, [v6]:port or unix:/absolute/path, got "
                   "\"localhost\" (missing port)"}));
  EXPECT_TRUE(hasOneError(with("admin:\n  token_file: [a]\n"), 7, 15,
                          {"admin.token_file: expected a file path, got a list"}));
  EXPECT_TRUE(hasOneError(with("admin:\n  token: x\n"), 7, 3,
                          {"unknown key \"token\" in admin; expected one of listen, token_file"}));
}

TEST(Admin, Values) {
  Config config = loadsOk(with("admin:\n  listen: unix:/run/vcproxy/admin.sock\n"));
  EXPECT_TRUE(config.admin.listen.is_unix);
  EXPECT_EQ(config.admin.listen.path, "/run/vcproxy/admin.sock");
  EXPECT_EQ(config.admin.token_file, "");

  config = loadsOk(with("admin: {token_file: /etc/token}\n"));
  EXPECT_EQ(config.admin.listen.text, "127.0.0.1:9100");  // default kept
  EXPECT_EQ(config.admin.token_file, "/etc/token");

  config = loadsOk(with("admin:\n"));
  EXPECT_EQ(config.admin.listen.port, 9100);
}

TEST(VersionStore, Url) {
  constexpr std::string_view kWhat =
      "version_store.url: expected redis://host:port[/db] or memcache://host:port";
  auto store = [](std::string_view url) {
    return with("version_store:\n  url: " + std::string(url) + "\n");
  };
  EXPECT_TRUE(
      hasOneError(store("http://h:1"), 7, 8, {kWhat, "got \"http://h:1\" (unknown scheme)"}));
  EXPECT_TRUE(hasOneError(store("redis://127.0.0.1"), 7, 8, {kWhat, "(missing port)"}));
  EXPECT_TRUE(hasOneError(store("redis://h:0"), 7, 8, {kWhat, "1..65535"}));
  EXPECT_TRUE(
      hasOneError(store("memcache://h:1/0"), 7, 8, {kWhat, "(memcache URLs take no path)"}));
  EXPECT_TRUE(hasOneError(store("redis://h:1/x"), 7, 8, {kWhat, "database"}));
  EXPECT_TRUE(hasOneError(store("redis://h:1/"), 7, 8, {kWhat, "database"}));
  EXPECT_TRUE(hasOneError(store("redis://:pw@h:1"), 7, 8, {kWhat, "credentials"}));
  const LoadResult with_password = loadString(store("redis://user:s3cret-pw@h:1"), kLabel);
  ASSERT_EQ(with_password.errors.size(), 1u);
  EXPECT_EQ(with_password.errors[0].message.find("s3cret-pw"), std::string::npos)
      << "the error is logged: it must not repeat the password: " << with_password.errors[0].message;
  EXPECT_TRUE(hasOneError(store("redis://unix:/tmp/r.sock"), 7, 8, {kWhat}));
  EXPECT_TRUE(hasOneError(store("[redis://h:1]"), 7, 8, {kWhat, "got a list"}));
  EXPECT_TRUE(hasOneError(with("version_store: redis://h:1\n"), 6, 16,
                          {"version_store: expected a map with url, refresh_interval_ms, max_staleness_ms"}));
}

TEST(VersionStore, Values) {
  Config config = loadsOk(with("version_store:\n  url: memcache://cache.local:11211\n"));
  ASSERT_FALSE(config.version_store.url.empty());
  EXPECT_EQ(config.version_store.url, "memcache://cache.local:11211");
  EXPECT_EQ(config.version_store.protocol, Protocol::kMemcache);
  EXPECT_EQ(config.version_store.endpoint.host, "cache.local");
  EXPECT_EQ(config.version_store.endpoint.port, 11211);
  EXPECT_EQ(config.version_store.refresh_interval_ms, 1000u);  // default

  config =
      loadsOk(with("version_store:\n  url: redis://[::1]:6379/3\n  refresh_interval_ms: 10\n"));
  ASSERT_FALSE(config.version_store.url.empty());
  EXPECT_EQ(config.version_store.protocol, Protocol::kRedis);
  EXPECT_EQ(config.version_store.endpoint.host, "::1");
  EXPECT_EQ(config.version_store.db, 3u);
  EXPECT_EQ(config.version_store.refresh_interval_ms, 10u);

  config = loadsOk(with("version_store:\n  url: redis://h:1\n  refresh_interval_ms: 3600000\n"));
  EXPECT_EQ(config.version_store.refresh_interval_ms, 3600000u);
}

TEST(VersionStore, DefaultsToTheBackend) {
  Config config = loadsOk(with("version_store:\n  refresh_interval_ms: 100\n  max_staleness_ms: 2000\n"));
  EXPECT_TRUE(config.version_store.url.empty());
  EXPECT_EQ(config.version_store.refresh_interval_ms, 100u);
  EXPECT_EQ(config.version_store.max_staleness_ms, 2000u);
  EXPECT_EQ(loadsOk(with("")).version_store.max_staleness_ms, 10000u);
  EXPECT_TRUE(hasOneError(with("version_store:\n  max_staleness_ms: 99\n"), 7, 21,
                          {"version_store.max_staleness_ms: expected an integer 100..86400000", "got 99"}));
}

TEST(VersionStore, RefreshInterval) {
  constexpr std::string_view kWhat =
      "version_store.refresh_interval_ms: expected an integer 10..3600000";
  EXPECT_TRUE(hasOneError(with("version_store:\n  url: redis://h:1\n  refresh_interval_ms: 9\n"), 8,
                          24, {kWhat, "got 9"}));
  EXPECT_TRUE(
      hasOneError(with("version_store:\n  url: redis://h:1\n  refresh_interval_ms: 3600001\n"), 8,
                  24, {kWhat, "got 3600001"}));
  EXPECT_TRUE(hasOneError(with("version_store:\n  url: redis://h:1\n  refresh: 5\n"), 8, 3,
                          {"unknown key \"refresh\" in version_store; expected one of url, "
                           "refresh_interval_ms"}));
}

TEST(Caches, Values) {
  Config config =
      loadsOk(with("caches:\n  - name: b\n    patterns: [\"b:*\"]\n  - name: a\n"
                   "    patterns:\n      - \"a:*\"\n      - \":1:a:?\"\n"));
  ASSERT_EQ(config.caches.size(), 2u);  // file order is priority order
  EXPECT_EQ(config.caches[0].name, "b");
  EXPECT_EQ(config.caches[1].name, "a");
  EXPECT_EQ(config.caches[1].patterns, (std::vector<std::string>{"a:*", ":1:a:?"}));
  EXPECT_TRUE(loadsOk(with("caches: []\n")).caches.empty());
  EXPECT_EQ(loadsOk(with("caches:\n  - name: " + std::string(64, 'c') + "\n    patterns: [x]\n"))
                .caches[0]
                .name.size(),
            64u);
  EXPECT_EQ(loadsOk(with("caches:\n  - name: c\n    patterns: [" + std::string(250, 'p') + "]\n"))
                .caches[0]
                .patterns[0]
                .size(),
            250u);
}

TEST(Caches, ListShape) {
  EXPECT_TRUE(hasOneError(with("caches: {}\n"), 6, 9,
                          {"caches: expected a list of caches, got an empty map"}));
  EXPECT_TRUE(hasOneError(with("caches:\n  - bans\n"), 7, 5,
                          {"caches[0]: expected a cache map with name, patterns, got \"bans\""}));
}

TEST(Caches, Name) {
  constexpr std::string_view kWhat =
      "caches[0].name: expected a name of 1..64 characters from [A-Za-z0-9_.-]";
  EXPECT_TRUE(hasOneError(with("caches:\n  - patterns: [x]\n"), 7, 5,
                          {"caches[0]: missing required key \"name\""}));
  EXPECT_TRUE(hasOneError(with("caches:\n  - name: a:b\n    patterns: [x]\n"), 7, 11,
                          {kWhat, "got \"a:b\" (contains \":\")"}));
  EXPECT_TRUE(
      hasOneError(with("caches:\n  - name: " + std::string(65, 'c') + "\n    patterns: [x]\n"), 7,
                  11, {kWhat, "(65 characters)"}));
  EXPECT_TRUE(hasOneError(
      with("caches:\n  - name: a\n    patterns: [x]\n  - name: a\n    patterns: [y]\n"), 9, 11,
      {"caches[1].name: cache name \"a\" is already used by caches[0]; expected "
       "unique names"}));
}

TEST(Caches, Patterns) {
  constexpr std::string_view kWhat =
      "expected a key pattern of 1..250 bytes without spaces or control characters";
  auto cache = [](std::string_view patterns) {
    return with("caches:\n  - name: c\n    patterns: " + std::string(patterns) + "\n");
  };
  EXPECT_TRUE(hasOneError(with("caches:\n  - name: c\n"), 7, 5,
                          {"caches[0]: missing required key \"patterns\""}));
  EXPECT_TRUE(hasOneError(
      cache("[]"), 8, 15,
      {"caches[0].patterns: expected a non-empty list of key patterns", "got an empty list"}));
  EXPECT_TRUE(
      hasOneError(cache("\"acl:*\""), 8, 15, {"expected a non-empty list", "got \"acl:*\""}));
  EXPECT_TRUE(hasOneError(cache("[ok, \"a b\"]"), 8, 20,
                          {"caches[0].patterns[1]: ", kWhat, "got \"a b\" (contains a space"}));
  EXPECT_TRUE(hasOneError(cache("[\"a\\tb\"]"), 8, 16, {kWhat, "got \"a\\x09b\"", "control"}));
  EXPECT_TRUE(hasOneError(cache("[\"\"]"), 8, 16, {kWhat, "(empty)"}));
  EXPECT_TRUE(hasOneError(cache("[" + std::string(251, 'p') + "]"), 8, 16, {kWhat, "(251 bytes)"}));
  EXPECT_TRUE(hasOneError(cache("[[a]]"), 8, 16, {kWhat, "got a list"}));
  EXPECT_TRUE(hasOneError(cache("[x, ~]"), 8, 15, {"caches[0].patterns[1]: ", kWhat, "got null"}));
}

// One pass reports every error, sorted by position, even those found out of order
// (admin is read before listeners).
TEST(ManyErrors, AllReportedInOrder) {
  constexpr std::string_view kBad = R"(namespace: "a:b"
workers: 0
listeners:
  - name: mc
    protocol: memcached
    listen: 127.0.0.1:11311
    backends: []
    listner: x
  - name: mc
    protocol: redis
    listen: 127.0.0.1:11311
    backends: [127.0.0.1:6379]
    timeout_ms: 0
version_store:
  url: ftp://x:1
caches:
  - name: bans
    patterns: ["a b"]
  - name: bans
    patterns: [x]
admin:
  listen: nope
)";
  LoadResult result = loadString(kBad, kLabel);
  EXPECT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 12u) << allErrors(result);
  const auto& e = result.errors;
  EXPECT_TRUE(errorMatches(e[0], 1, 12, {"namespace: expected"}));
  EXPECT_TRUE(errorMatches(e[1], 2, 10, {"workers: expected"}));
  EXPECT_TRUE(
      errorMatches(e[2], 5, 15, {"listeners[0].protocol: expected one of memcache, redis"}));
  EXPECT_TRUE(errorMatches(e[3], 7, 15, {"listeners[0].backends: expected a non-empty list"}));
  EXPECT_TRUE(errorMatches(e[4], 8, 5, {"unknown key \"listner\" in listeners[0]"}));
  EXPECT_TRUE(
      errorMatches(e[5], 9, 11, {"listeners[1].name: listener name \"mc\" is already used"}));
  EXPECT_TRUE(errorMatches(e[6], 11, 13, {"listeners[1].listen: address \"127.0.0.1:11311\""}));
  EXPECT_TRUE(
      errorMatches(e[7], 13, 17, {"listeners[1].timeout_ms: expected an integer 1..600000"}));
  EXPECT_TRUE(errorMatches(e[8], 15, 8, {"version_store.url: expected redis://"}));
  EXPECT_TRUE(errorMatches(e[9], 18, 16, {"caches[0].patterns[0]: expected a key pattern"}));
  EXPECT_TRUE(errorMatches(e[10], 19, 11, {"caches[1].name: cache name \"bans\" is already used"}));
  EXPECT_TRUE(errorMatches(e[11], 22, 11, {"admin.listen: expected host:port"}));
}

}  // namespace
}  // namespace vcproxy::config

namespace vcproxy::config {
namespace {

TEST(AdminToken, RequiredOffLoopback) {
  const std::string open = "listeners:\n  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:11311\n"
                           "    backends: [127.0.0.1:11211]\nadmin:\n  listen: 0.0.0.0:9100\n";
  const auto refused = loadString(open, "vcproxy.yaml");
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_NE(refused.errors[0].message.find("token_file"), std::string::npos) << refused.errors[0].message;
  EXPECT_TRUE(loadString(open + "  token_file: /run/secrets/token\n", "vcproxy.yaml").errors.empty());
  const std::string loopback = "listeners:\n  - name: mc\n    protocol: memcache\n    listen: 127.0.0.1:11311\n"
                               "    backends: [127.0.0.1:11211]\nadmin:\n  listen: 127.0.0.1:9100\n";
  EXPECT_TRUE(loadString(loopback, "vcproxy.yaml").errors.empty());
}

}  // namespace
}  // namespace vcproxy::config
