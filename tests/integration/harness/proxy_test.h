#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {

// Where the test expects its keys in the backend after it ran.
struct BackendExpectation {
  std::string name_space = "it";
  std::string cache;                // the cache of the versioned keys
  std::set<std::string> versioned;  // original keys, stored only as ~vc:<ns>:<cache>:<version>:<key>
  std::set<std::string> raw;        // keys matching no pattern, stored as they are
};

// A fresh memcached per test and vcproxy in front of it.
//
// VCPROXY_TEST_DIRECT=1 (development only, before the binary exists): no proxy is started and
// proxyPort() is the backend's port, so every check but the rewriting can be exercised; the key
// layout checks then expect every key stored raw.
// VCPROXY_BINARY=path overrides the binary compiled in from the CMake `vcproxy` target.
class MemcacheProxyTest : public testing::Test {
 protected:
  void SetUp() override;     // skips when there is no binary (and not direct mode); starts memcached
  void TearDown() override;  // stops vcproxy: a crash or unclean exit fails the test

  // Starts vcproxy with one memcache listener in front of backend(). Use with ASSERT_NO_FATAL_FAILURE.
  void startProxy(std::vector<CacheSpec> caches, std::string name_space = "it");

  uint16_t proxyPort() const { return proxy_port_; }
  MemcachedServer& backend() { return *backend_; }
  ProxyProcess* proxy() { return proxy_.get(); }

  // Checks the backend's metadump against `expected`; every other key must be vcproxy's own
  // (the version store may live in the backend).
  void expectBackendKeys(const BackendExpectation& expected);

  // Every key in the backend is versioned for `cache` (or vcproxy's own); no key is stored raw.
  void expectOnlyVersionedKeys(const std::string& cache, const std::string& name_space = "it");

  static bool directMode();
  static std::string proxyBinary();

 private:
  std::unique_ptr<MemcachedServer> backend_;
  std::unique_ptr<ProxyProcess> proxy_;
  uint16_t proxy_port_ = 0;
};

}  // namespace vcproxy::test
