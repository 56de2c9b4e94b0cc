// Token comparison, the auth decision, loopback detection and token files.
#include "admin/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace vcproxy::admin {
namespace {

TEST(ConstantTimeEqualsTest, IsPlainEqualityInEveryCase) {
  EXPECT_TRUE(constantTimeEquals("s3cret-token", "s3cret-token"));
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_FALSE(constantTimeEquals("s3cret-tokeN", "s3cret-token"));  // last byte
  EXPECT_FALSE(constantTimeEquals("S3cret-token", "s3cret-token"));  // first byte
  EXPECT_FALSE(constantTimeEquals("s3cret", "s3cret-token"));        // a prefix
  EXPECT_FALSE(constantTimeEquals("s3cret-token-and-more", "s3cret-token"));
  EXPECT_FALSE(constantTimeEquals("s3cret-tokens3cret-token", "s3cret-token"));  // the token twice
  EXPECT_FALSE(constantTimeEquals("", "s3cret-token"));
  EXPECT_FALSE(constantTimeEquals("x", ""));
  EXPECT_TRUE(constantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  // Every single-bit difference at every position is seen.
  const std::string token = "0123456789abcdef";
  for (size_t i = 0; i < token.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string other = token;
      other[i] = static_cast<char>(other[i] ^ (1 << bit));
      EXPECT_FALSE(constantTimeEquals(other, token)) << i << " " << bit;
    }
  }
}

HttpRequest requestTo(const std::string& path, const char* authorization = nullptr) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  if (authorization) request.headers.emplace_back("authorization", authorization);
  return request;
}

void expect401(const std::optional<HttpResponse>& denied, const std::string& message) {
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->status, 401);
  ASSERT_EQ(denied->headers.size(), 1u);
  EXPECT_EQ(denied->headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(denied->headers[0].second, "Bearer");
  EXPECT_EQ(denied->body, "{\"error\":\"" + message + "\"}");
}

TEST(AuthorizeTest, WithoutATokenEverythingPasses) {
  EXPECT_FALSE(authorize(requestTo("/caches"), "").has_value());
}

TEST(AuthorizeTest, ChecksTheBearerToken) {
  const std::string token = "s3cret";
  EXPECT_FALSE(authorize(requestTo("/caches", "Bearer s3cret"), token).has_value());
  EXPECT_FALSE(authorize(requestTo("/caches", "bearer   s3cret"), token).has_value());
  expect401(authorize(requestTo("/caches"), token), "missing bearer token (Authorization: Bearer <token>)");
  expect401(authorize(requestTo("/caches", "Bearer wrong"), token), "invalid bearer token");
  expect401(authorize(requestTo("/caches", "Bearer s3cre"), token), "invalid bearer token");
  expect401(authorize(requestTo("/caches", "Bearer "), token), "invalid bearer token");
  expect401(authorize(requestTo("/caches", "Basic czNjcmV0"), token),
            "the Authorization header must be \\\"Bearer <token>\\\"");
}

TEST(AuthorizeTest, HealthProbesAreExempt) {
  EXPECT_FALSE(authorize(requestTo("/healthz"), "s3cret").has_value());
  EXPECT_FALSE(authorize(requestTo("/readyz"), "s3cret").has_value());
  EXPECT_TRUE(authorize(requestTo("/metrics"), "s3cret").has_value());
  EXPECT_TRUE(authorize(requestTo("/healthz/x"), "s3cret").has_value());
}

TEST(IsLoopbackTest, KnowsLoopbackAddresses) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]", "localhost", "LocalHost",
                           "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(isLoopback(host)) << host;
  }
  for (const char* host : {"", "0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1", "126.255.255.255", "::2",
                           "example.com", "127.0.0.1.example.com", "localhost.example.com", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(isLoopback(host)) << host;
  }
}

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vcproxy-admin-token-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& file : files_) std::remove(file.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(TokenFileTest, TrimsTheTrailingNewline) {
  std::string token;
  std::string error;
  ASSERT_TRUE(readTokenFile(write("a", "s3cret\n"), token, error)) << error;
  EXPECT_EQ(token, "s3cret");
  ASSERT_TRUE(readTokenFile(write("b", "s3cret\r\n\n"), token, error)) << error;
  EXPECT_EQ(token, "s3cret");
  ASSERT_TRUE(readTokenFile(write("c", "no-newline"), token, error)) << error;
  EXPECT_EQ(token, "no-newline");
}

TEST_F(TokenFileTest, EmptyUnreadableOrOddFilesAreErrors) {
  std::string token = "unchanged";
  std::string error;
  const std::string empty = write("empty", "");
  EXPECT_FALSE(readTokenFile(empty, token, error));
  EXPECT_EQ(error, "admin token file " + empty + " is empty");
  const std::string newline = write("newline", "\n");
  EXPECT_FALSE(readTokenFile(newline, token, error));
  EXPECT_EQ(error, "admin token file " + newline + " is empty");
  EXPECT_FALSE(readTokenFile(dir_ + "/missing", token, error));
  EXPECT_EQ(error, "admin token file " + dir_ + "/missing: cannot open: No such file or directory");
  EXPECT_FALSE(readTokenFile(dir_, token, error));
  EXPECT_NE(error.find("admin token file " + dir_), std::string::npos) << error;
  EXPECT_FALSE(readTokenFile(write("space", "two words\n"), token, error));
  EXPECT_NE(error.find("whitespace or control characters"), std::string::npos) << error;
  EXPECT_FALSE(readTokenFile(write("big", std::string(5000, 'x')), token, error));
  EXPECT_NE(error.find("larger than"), std::string::npos) << error;
  EXPECT_EQ(token, "unchanged");
}

}  // namespace
}  // namespace vcproxy::admin
