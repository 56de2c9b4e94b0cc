// Passwords on the Redis path: a listener password vcproxy checks itself (answered exactly as a
// Redis with requirepass answers), and credentials vcproxy gives a backend that requires them,
// on its shared, pinned and version store connections alike. Secrets never reach the log.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/proxy_process.h"
#include "tests/integration/harness/redis_proxy_test.h"
#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/servers.h"

namespace vcproxy::test {
namespace {

using Script = std::vector<std::vector<std::string>>;

constexpr const char* kClientSecret = "client-s3cret-Zq";
constexpr const char* kBackendSecret = "backend-s3cret-Xw";

class RedisAuthTest : public RedisProxyTest {
 protected:
  // vcproxy in front of `backend` with extra listener lines (password_file, backend_auth...).
  static std::unique_ptr<ProxyProcess> startWith(const RedisServer& backend, const std::string& listener_lines) {
    RedisProxyConfig config;
    config.listen_port = freePort();
    config.backends = {backend.address()};
    config.caches = {{"all", {"*"}}};
    std::string yaml = toRedisYaml(config);
    yaml.insert(yaml.find("caches:\n"), listener_lines);
    auto proxy = std::make_unique<ProxyProcess>(binary(), yaml, config.listen_port);
    EXPECT_TRUE(proxy->start());
    return proxy;
  }
};

TEST_F(RedisAuthTest, ClientPasswordAnsweredLikeRedis) {
  TempFile secret("vcproxy-client-pw", std::string(kClientSecret) + "\n");
  auto proxy = startWith(backend(), "    password_file: " + secret.path() + "\n");
  RedisServer reference({"--requirepass", kClientSecret});
  const Script script = {
      {"GET", "k"},           {"SET", "k", "v"},         {"HELLO", "3"},
      {"AUTH", "nope"},       {"AUTH", "default", "nope"}, {"AUTH", "someone", kClientSecret},
      {"AUTH", "a", "b", "c"}, {"AUTH"},                  {"HELLO", "2", "AUTH", "default", "nope"},
      {"AUTH", kClientSecret}, {"SET", "k", "v"},         {"GET", "k"},
      {"AUTH", "nope"},       {"GET", "k"},              {"KEYS", "*"},
  };
  {
    RespClient direct(reference.port());
    RespClient proxied(proxy->port());
    for (const auto& command : script) {
      const RespReply want = direct.call(command);
      const RespReply got = proxied.call(command);
      EXPECT_EQ(got.describe(), want.describe()) << respCommand(command);
    }
    // HELLO with AUTH authenticates and switches protocol in one step; QUIT needs no password.
    RespClient hello(proxy->port());
    EXPECT_EQ(hello.call({"HELLO", "3", "AUTH", "default", kClientSecret, "SETNAME", "me"}).value.type, '%');
    EXPECT_EQ(hello.call({"CLIENT", "GETNAME"}).describe(), "\"me\"");
    EXPECT_EQ(hello.call({"GET", "k"}).describe(), "\"v\"");
    RespClient quitter(proxy->port());
    EXPECT_EQ(quitter.call({"QUIT"}).describe(), "OK");
    EXPECT_TRUE(quitter.expectClosed());
  }  // clients gone: the proxy stops at once
  EXPECT_TRUE(proxy->stop());
  EXPECT_EQ(proxy->logs().find(kClientSecret), std::string::npos) << "the client password is in the log";
}

TEST_F(RedisAuthTest, BackendCredentialsOnEveryConnection) {
  RedisServer guarded({"--requirepass", kBackendSecret});
  TempFile secret("vcproxy-backend-pw", kBackendSecret);
  // The version store is this backend too: the proxy is only ready once it could AUTH there.
  auto proxy = startWith(guarded, "    backend_auth:\n      username: default\n      password_file: " +
                                      secret.path() + "\n");
  {
    RespClient c(proxy->port());
    EXPECT_EQ(c.call({"SET", "k", "v"}).describe(), "OK");  // shared connection
    EXPECT_EQ(c.call({"GET", "k"}).describe(), "\"v\"");
    RespClient tx(proxy->port());  // pinned connection: MULTI
    EXPECT_EQ(tx.call({"MULTI"}).describe(), "OK");
    EXPECT_EQ(tx.call({"GET", "k"}).describe(), "QUEUED");
    EXPECT_EQ(tx.call({"EXEC"}).describe(), "[\"v\"]");
    RespClient sub(proxy->port());  // pinned connection: pub/sub
    EXPECT_EQ(sub.call({"SUBSCRIBE", "ch"}).describe(), "[\"subscribe\", \"ch\", (integer) 1]");
    EXPECT_EQ(c.call({"PUBLISH", "ch", "m"}).describe(), "(integer) 1");
    EXPECT_EQ(sub.read().describe(), "[\"message\", \"ch\", \"m\"]");
    RespClient direct(guarded.port());
    EXPECT_EQ(direct.call({"AUTH", kBackendSecret}).describe(), "OK");
    const RespReply keys = direct.call({"KEYS", "*k"});
    ASSERT_EQ(keys.value.items.size(), 1u) << keys.describe();
    EXPECT_TRUE(keys.value.items[0].text.starts_with("~vc:it:all:")) << keys.describe();
  }
  EXPECT_TRUE(proxy->stop());
  EXPECT_EQ(proxy->logs().find(kBackendSecret), std::string::npos) << "the backend password is in the log";
}

// Wrong backend credentials: never ready (the version store, this backend, refuses them too),
// the refusal is logged with Redis' reason, the secret is not.
TEST_F(RedisAuthTest, RefusedBackendCredentialsAreReported) {
  RedisServer guarded({"--requirepass", kBackendSecret});
  RedisProxyConfig config;
  config.listen_port = freePort();
  config.backends = {guarded.address()};
  config.caches = {{"all", {"*"}}};
  std::string yaml = toRedisYaml(config);
  yaml.insert(yaml.find("caches:\n"), "    backend_auth:\n      password_env: VCPROXY_TEST_WRONG_PW\n");
  setenv("VCPROXY_TEST_WRONG_PW", "not-the-password", 1);
  ProxyProcess proxy(binary(), yaml, config.listen_port);
  const testing::AssertionResult started = proxy.start();  // its message: /readyz's reasons and the log
  unsetenv("VCPROXY_TEST_WRONG_PW");
  EXPECT_FALSE(started) << "ready although the backend refuses every connection";
  const std::string said = started.message();
  EXPECT_NE(said.find("WRONGPASS"), std::string::npos) << said;
  EXPECT_EQ(said.find("not-the-password"), std::string::npos) << "the backend password is shown: " << said;
}

}  // namespace
}  // namespace vcproxy::test
