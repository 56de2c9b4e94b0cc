// `vcproxy invalidate|versions|explain` (proxy/app/cli.h) against a running sidecar's admin API:
// output, effect and exit codes (0 done, 1 refused, 2 usage, 3 unreachable).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

struct CliRun {
  ExitStatus status;
  std::string output;  // stdout and stderr
};

void PrintTo(const CliRun& run, std::ostream* os) { *os << run.status.describe() << ", output:\n" << run.output; }

class CliTest : public SidecarTest {
 protected:
  void SetUp() override {
    SidecarTest::SetUp();
    if (IsSkipped()) return;
    backend_ = std::make_unique<MemcachedServer>();
    store_ = std::make_unique<RedisServer>();
  }

  ProxyProcess* start(std::string token_file = {}) {
    SidecarOptions options;
    options.backends = {backend_->address()};
    options.caches = {{"x", {"x:*"}}, {"acl", {"acl:*"}}};
    options.store_url = "redis://" + store_->address() + "/0";
    options.token_file = std::move(token_file);
    return startSidecar(options);
  }

  // The binary with `args`, without the caller's VCPROXY_ADMIN / VCPROXY_TOKEN.
  static CliRun run(std::vector<std::string> args) {
    std::vector<std::string> argv = {"env", "-u", "VCPROXY_ADMIN", "-u", "VCPROXY_TOKEN", binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    TempFile output("cli.log");
    Process process(argv, output.path());
    CliRun result;
    const auto status = process.wait(10s);
    result.status = status ? *status : process.stop();
    result.output = output.read();
    return result;
  }

  static std::string url(uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

  std::unique_ptr<MemcachedServer> backend_;
  std::unique_ptr<RedisServer> store_;
};

bool exitedWith(const CliRun& run, int code) { return run.status.exited && run.status.code == code; }

TEST_F(CliTest, VersionsListsTheCaches) {
  ProxyProcess* proxy = start();
  ASSERT_NE(proxy, nullptr);
  const CliRun versions = run({"versions", "--admin", url(proxy->adminPort())});
  ASSERT_TRUE(exitedWith(versions, 0)) << testing::PrintToString(versions);
  const auto doc = nlohmann::json::parse(versions.output, nullptr, false);
  ASSERT_TRUE(doc.is_object() && doc.contains("caches") && doc["caches"].is_array()) << versions.output;
  ASSERT_EQ(doc["caches"].size(), 2u) << versions.output;
  EXPECT_EQ(jsonString(doc["caches"][0], "name"), "x");
  EXPECT_EQ(jsonString(doc["caches"][0], "version"), cacheVersion(proxy->adminPort(), "x"));
  EXPECT_EQ(jsonString(doc["caches"][1], "name"), "acl");

  const CliRun explain = run({"explain", "x:1", "--admin", url(proxy->adminPort())});
  ASSERT_TRUE(exitedWith(explain, 0)) << testing::PrintToString(explain);
  const auto explained = nlohmann::json::parse(explain.output, nullptr, false);
  EXPECT_EQ(jsonString(explained, "cache"), "x") << explain.output;
  EXPECT_EQ(jsonString(explained, "rewritten"), "~vc:it:x:" + cacheVersion(proxy->adminPort(), "x") + ":x:1");
}

TEST_F(CliTest, InvalidateChangesVersions) {
  ProxyProcess* proxy = start();
  ASSERT_NE(proxy, nullptr);
  const std::string admin = url(proxy->adminPort());
  const std::string x_before = cacheVersion(proxy->adminPort(), "x");
  const std::string acl_before = cacheVersion(proxy->adminPort(), "acl");

  const CliRun one = run({"invalidate", "x", "--admin", admin});
  ASSERT_TRUE(exitedWith(one, 0)) << testing::PrintToString(one);
  const std::string x_after = cacheVersion(proxy->adminPort(), "x");
  EXPECT_TRUE(isVersion(x_after));
  EXPECT_NE(x_after, x_before);
  EXPECT_EQ(cacheVersion(proxy->adminPort(), "acl"), acl_before);
  EXPECT_NE(one.output.find(x_after), std::string::npos) << "prints the new version: " << one.output;

  const CliRun all = run({"invalidate", "--all", "--admin", admin});
  ASSERT_TRUE(exitedWith(all, 0)) << testing::PrintToString(all);
  EXPECT_NE(cacheVersion(proxy->adminPort(), "x"), x_after);
  EXPECT_NE(cacheVersion(proxy->adminPort(), "acl"), acl_before);

  const CliRun unknown = run({"invalidate", "nope", "--admin", admin});
  EXPECT_TRUE(exitedWith(unknown, 1)) << testing::PrintToString(unknown);
  EXPECT_NE(unknown.output.find("404"), std::string::npos) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown cache \"nope\""), std::string::npos) << unknown.output;
}

TEST_F(CliTest, ExitCodesForUsageAndUnreachable) {
  const uint16_t closed = freePort();  // nothing listens there
  const CliRun unreachable = run({"versions", "--admin", url(closed)});
  EXPECT_TRUE(exitedWith(unreachable, 3)) << testing::PrintToString(unreachable);
  EXPECT_NE(unreachable.output.find("cannot connect"), std::string::npos) << unreachable.output;

  const CliRun no_name = run({"invalidate", "--admin", url(closed)});
  EXPECT_TRUE(exitedWith(no_name, 2)) << testing::PrintToString(no_name);
  EXPECT_NE(no_name.output.find("usage"), std::string::npos) << no_name.output;
  EXPECT_TRUE(exitedWith(run({"invalidate"}), 2));
  EXPECT_TRUE(exitedWith(run({"invalidate", "x", "--all", "--admin", url(closed)}), 2));
  EXPECT_TRUE(exitedWith(run({"versions", "--bogus"}), 2));
}

TEST_F(CliTest, TokenFromFlagOrFile) {
  TempFile token_file("admin-token", "cli-token\n");
  ProxyProcess* proxy = start(token_file.path());
  ASSERT_NE(proxy, nullptr);
  const std::string admin = url(proxy->adminPort());
  const CliRun without = run({"versions", "--admin", admin});
  EXPECT_TRUE(exitedWith(without, 1)) << testing::PrintToString(without);
  EXPECT_NE(without.output.find("401"), std::string::npos) << without.output;
  const CliRun with_flag = run({"versions", "--admin", admin, "--token", "cli-token"});
  EXPECT_TRUE(exitedWith(with_flag, 0)) << testing::PrintToString(with_flag);
  const CliRun with_file = run({"invalidate", "x", "--admin", admin, "--token-file", token_file.path()});
  EXPECT_TRUE(exitedWith(with_file, 0)) << testing::PrintToString(with_file);
}

}  // namespace
}  // namespace vcproxy::test
