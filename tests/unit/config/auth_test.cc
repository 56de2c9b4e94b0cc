// Listener credentials: password_file / password_env (clients) and backend_auth (backend), read
// when the config is loaded, with the position of every mistake.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>

#include "config/loader.h"
#include "tests/unit/config/expect_errors.h"

namespace vcproxy::config {
namespace {

constexpr std::string_view kRedis = R"(listeners:
  - name: r
    protocol: redis
    listen: 127.0.0.1:6380
    backends: [127.0.0.1:6379]
)";

std::string withLines(std::string_view lines) { return std::string(kRedis) + std::string(lines); }

class SecretFile {
 public:
  explicit SecretFile(const std::string& content)
      : path_(testing::TempDir() + "vcproxy_auth_test_secret" + std::to_string(next_++)) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~SecretFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int next_ = 0;
  std::string path_;
};

TEST(ListenerAuth, SecretsAreRead) {
  SecretFile file("pw-from-file\n");
  setenv("VCPROXY_AUTH_TEST_PW", "pw-from-env", 1);
  const Config config = loadsOk(withLines("    password_file: " + file.path() +
                                          "\n    backend_auth:\n      username: app\n"
                                          "      password_env: VCPROXY_AUTH_TEST_PW\n"));
  unsetenv("VCPROXY_AUTH_TEST_PW");
  const Listener& listener = config.listeners.at(0);
  ASSERT_TRUE(listener.password.has_value());
  EXPECT_EQ(listener.password->value, "pw-from-file") << "one trailing newline is not part of the password";
  EXPECT_EQ(listener.password->source, "password_file " + file.path());
  ASSERT_TRUE(listener.backend_auth.has_value());
  EXPECT_EQ(listener.backend_auth->username, "app");
  EXPECT_EQ(listener.backend_auth->password.value, "pw-from-env");
  EXPECT_FALSE(loadsOk(kRedis).listeners.at(0).password.has_value());
}

TEST(ListenerAuth, Mistakes) {
  SecretFile file("x");
  EXPECT_TRUE(hasOneError(withLines("    password_file: /nonexistent/vcproxy-pw\n"), 6, 20,
                          {"listeners[0].password_file: cannot read \"/nonexistent/vcproxy-pw\"",
                           "expected a readable file holding the password"}));
  SecretFile empty("\n");
  EXPECT_TRUE(hasOneError(withLines("    password_file: " + empty.path() + "\n"), 6, 20,
                          {"holds nothing; expected a password of 1..4096 bytes"}));
  unsetenv("VCPROXY_AUTH_TEST_UNSET");
  EXPECT_TRUE(hasOneError(withLines("    password_env: VCPROXY_AUTH_TEST_UNSET\n"), 6, 19,
                          {"environment variable \"VCPROXY_AUTH_TEST_UNSET\" is not set"}));
  EXPECT_TRUE(hasOneError(withLines("    password_file: " + file.path() + "\n    password_env: X\n"), 7, 19,
                          {"expected one of password_file, password_env"}));
  EXPECT_TRUE(hasOneError(withLines("    backend_auth:\n      username: u\n"), 7, 7,
                          {"listeners[0].backend_auth: expected password_file or password_env"}));
  EXPECT_TRUE(hasOneError(withLines("    backend_auth: secret\n"), 6, 19,
                          {"expected a map with username (optional) and password_file or password_env"}));
  EXPECT_TRUE(hasOneError(withLines("    backend_auth:\n      password_file: " + file.path() + "\n      password: x\n"), 8, 7,
                          {"unknown key \"password\" in listeners[0].backend_auth"}));
  std::string memcache(kRedis);
  memcache.replace(memcache.find("redis"), 5, "memcache");
  EXPECT_TRUE(hasOneError(memcache + "    password_file: " + file.path() + "\n", 2, 5,
                          {"apply to redis listeners only"}));
}

}  // namespace
}  // namespace vcproxy::config
