// The CLI's blocking client: URLs, transport errors, unix sockets, encoding.
#include "admin/admin_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/unit/admin/server_harness.h"

namespace vcproxy::admin::testing {
namespace {

// A port with nothing listening: bound, then released.
uint16_t closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(PercentEncodeTest, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(percentEncode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(percentEncode("a b/c%d&e+f?g#h=i"), "a%20b%2Fc%25d%26e%2Bf%3Fg%23h%3Di");
  EXPECT_EQ(percentEncode("\xc3\xa9\x01"), "%C3%A9%01");
  EXPECT_EQ(percentEncode(""), "");
}

TEST(AdminClientTest, ConnectionRefusedIsAClearError) {
  const uint16_t port = closedPort();
  HttpResult result = request("http://127.0.0.1:" + std::to_string(port), "GET", "/caches");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST(AdminClientTest, InvalidUrlsAreRejected) {
  for (const char* url : {"", "ftp://h:1", "http://:9100", "http://h:port", "http://h:99999", "http://h:1/x",
                          "http://[::1", "unix:"}) {
    HttpResult result = request(url, "GET", "/caches");
    EXPECT_FALSE(result.ok()) << url;
    EXPECT_EQ(result.error.rfind("invalid admin URL \"" + std::string(url) + "\"", 0), 0u) << result.error;
  }
}

TEST(AdminClientTest, SilentServerTimesOut) {
  // Listening but never accepting: the kernel completes the connect, nobody answers.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  const std::string host = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  HttpResult result = request("http://" + host + "/", "GET", "/caches", "", "", 100);
  ::close(fd);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "no complete answer from " + host + " within 100 ms");
}

TEST(AdminClientTest, AcceptsUrlFormsAndSendsTheToken) {
  AdminServer::Options options = ServerHarness::testOptions();
  options.token = "tok";
  ServerHarness server(options);
  ASSERT_TRUE(server.started());
  const std::string port = std::to_string(server.port());
  for (const std::string& url : {"http://127.0.0.1:" + port, "127.0.0.1:" + port, "http://localhost:" + port + "/"}) {
    HttpResult result = request(url, "GET", "/caches/acl", "", "tok");
    ASSERT_TRUE(result.ok()) << url << ": " << result.error;
    EXPECT_EQ(result.status, 200) << url;
    EXPECT_EQ(result.content_type, "application/json");
  }
  EXPECT_EQ(request("http://127.0.0.1:" + port, "GET", "/caches/acl").status, 401);
}

TEST(AdminClientTest, TalksOverAUnixSocket) {
  char dir[] = "/tmp/vcproxy-admin-sock-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/admin.sock";
  AdminServer::Options options = ServerHarness::testOptions();
  options.unix_path = path;
  {
    ServerHarness server(options);
    ASSERT_TRUE(server.started()) << server.startError();
    HttpResult result = request("unix:" + path, "POST", "/invalidate", R"({"caches":["bans"]})");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_NE(result.body.find("\"previous\":\"AAAAAAAA\""), std::string::npos) << result.body;
    // A second server on a live socket path is refused; the first keeps it.
    ServerHarness second(options);
    EXPECT_FALSE(second.started());
    EXPECT_EQ(second.startError(), "admin: cannot listen on unix:" + path + ": " + path + " is in use by a running process");
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);  // removed on stop
  // A stale socket file left behind is replaced.
  {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  {
    ServerHarness server(options);
    ASSERT_TRUE(server.started()) << server.startError();
    EXPECT_EQ(request("unix:" + path, "GET", "/healthz").status, 200);
  }
  rmdir(dir);
}

}  // namespace
}  // namespace vcproxy::admin::testing
