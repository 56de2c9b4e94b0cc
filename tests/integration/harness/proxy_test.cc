#include "tests/integration/harness/proxy_test.h"

#include <cstdlib>
#include <iostream>
#include <map>

#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/ports.h"

namespace vcproxy::test {
namespace {

// vcproxy's own keys (the memcached version store in the backend): ~vc:<ns>:!version:<cache>
// and ~vc:<ns>:!mode:<cache>, as proxy/versions/version_store.h documents.
bool isVersionStoreKey(std::string_view key) {
  return key.starts_with("~vc:") && key.find(":!", 4) != std::string_view::npos;
}
std::string listing(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) out += "  " + key + "\n";
  return out.empty() ? "  (none)\n" : out;
}

}  // namespace

bool MemcacheProxyTest::directMode() {
  const char* direct = std::getenv("VCPROXY_TEST_DIRECT");
  return direct && std::string_view(direct) == "1";
}

std::string MemcacheProxyTest::proxyBinary() { return vcproxyBinary(); }

void MemcacheProxyTest::SetUp() {
  if (!directMode() && proxyBinary().empty()) {
    GTEST_SKIP() << "no vcproxy binary (no `vcproxy` CMake target, VCPROXY_BINARY unset); "
                    "VCPROXY_TEST_DIRECT=1 runs the tests against memcached itself";
  }
  backend_ = std::make_unique<MemcachedServer>();
}

void MemcacheProxyTest::TearDown() {
  if (!proxy_) return;
  stopAndReport(*proxy_);
  proxy_.reset();
}

void MemcacheProxyTest::startProxy(std::vector<CacheSpec> caches, std::string name_space) {
  ASSERT_TRUE(backend_) << "SetUp did not start the backend";
  if (directMode()) {
    proxy_port_ = backend_->port();
    return;
  }
  MemcacheProxyConfig config;
  config.name_space = std::move(name_space);
  config.listen_port = freePort();
  config.backends = {backend_->address()};
  config.caches = std::move(caches);
  proxy_ = std::make_unique<ProxyProcess>(proxyBinary(), toYaml(config), config.listen_port);
  ASSERT_TRUE(proxy_->start());
  proxy_port_ = config.listen_port;
}

void MemcacheProxyTest::expectBackendKeys(const BackendExpectation& expected) {
  KeyDump dump = dumpMemcachedKeys(backend_->port());
  ASSERT_TRUE(dump.ok()) << "metadump of " << backend_->address() << ": " << dump.error;
  SCOPED_TRACE("keys stored in the backend:\n" + listing(dump.keys));

  std::set<std::string> want_versioned = expected.versioned;
  std::set<std::string> want_raw = expected.raw;
  if (directMode()) {  // nothing rewrites: everything is stored as the client sent it
    want_raw.insert(want_versioned.begin(), want_versioned.end());
    want_versioned.clear();
  }

  std::map<std::string, int> versioned_found;
  std::set<std::string> raw_found;
  std::set<std::string> versions;
  for (const auto& key : dump.keys) {
    if (auto parsed = parseVersionedKey(key)) {
      bool wanted = parsed->name_space == expected.name_space && parsed->cache == expected.cache &&
                    want_versioned.count(parsed->original);
      EXPECT_TRUE(wanted) << "unexpected versioned key " << key << " (want namespace '" << expected.name_space
                          << "', cache '" << expected.cache << "')";
      ++versioned_found[parsed->original];
      versions.insert(parsed->version);
    } else if (want_raw.count(key)) {
      raw_found.insert(key);
    } else if (want_versioned.count(key)) {
      ADD_FAILURE() << "key stored raw instead of versioned: " << key;
    } else if (!isVersionStoreKey(key)) {
      ADD_FAILURE() << "unexpected key in the backend: " << key;
    }
  }
  for (const auto& key : want_versioned) {
    EXPECT_EQ(versioned_found[key], 1) << "versioned copies of " << key;
  }
  for (const auto& key : want_raw) {
    EXPECT_TRUE(raw_found.count(key)) << "raw key missing from the backend: " << key;
  }
  EXPECT_LE(versions.size(), 1u) << "one cache must use one version";
}

void MemcacheProxyTest::expectOnlyVersionedKeys(const std::string& cache, const std::string& name_space) {
  KeyDump dump = dumpMemcachedKeys(backend_->port());
  ASSERT_TRUE(dump.ok()) << "metadump of " << backend_->address() << ": " << dump.error;
  if (directMode()) return;  // nothing rewrites keys
  SCOPED_TRACE("keys stored in the backend:\n" + listing(dump.keys));
  for (const auto& key : dump.keys) {
    auto parsed = parseVersionedKey(key);
    if (!parsed && isVersionStoreKey(key)) continue;
    EXPECT_TRUE(parsed && parsed->name_space == name_space && parsed->cache == cache)
        << "not versioned for cache '" << cache << "': " << key;
  }
}

}  // namespace vcproxy::test
