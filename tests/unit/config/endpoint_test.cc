#include "config/endpoint.h"

#include <gtest/gtest.h>

#include <string>

namespace vcproxy::config {
namespace {

TEST(ParseEndpoint, Ipv4) {
  std::optional<Endpoint> e = parseEndpoint("127.0.0.1:11211");
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->is_unix);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 11211);
  EXPECT_EQ(e->path, "");
  EXPECT_EQ(e->text, "127.0.0.1:11211");
}

TEST(ParseEndpoint, Hostname) {
  std::optional<Endpoint> e = parseEndpoint("redis-0.cache_svc.local:6379");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "redis-0.cache_svc.local");
  EXPECT_EQ(e->port, 6379);
  EXPECT_TRUE(parseEndpoint("localhost:1").has_value());
  EXPECT_TRUE(parseEndpoint("a:65535").has_value());
}

TEST(ParseEndpoint, Ipv6InBrackets) {
  std::optional<Endpoint> e = parseEndpoint("[::1]:6379");
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->is_unix);
  EXPECT_EQ(e->host, "::1");  // brackets removed
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->text, "[::1]:6379");

  for (const char* ok :
       {"[::]:1", "[2001:db8::8a2e:370:7334]:80", "[2001:db8:0:0:0:0:2:1]:80", "[fe80::1%eth0]:80",
        "[::ffff:192.0.2.1]:80", "[1::]:80", "[1:2:3:4:5:6:7::]:80", "[::2:3:4:5:6:7:8]:80"}) {
    EXPECT_TRUE(parseEndpoint(ok).has_value()) << ok;
  }
  for (const char* bad :
       {"[]:80", "[:1]:80", "[1:]:80", "[1::2::3]:80", "[1:::2]:80", "[12345::]:80", "[g::1]:80",
        "[1:2:3:4:5:6:7:8:9]:80", "[1:2:3:4:5:6:7]:80", "[1:2:3:4:5:6:7:8::]:80", "[::1%]:80",
        "[::1.2.3]:80", "[1.2.3.4]:80", "[::1]", "[::1]80", "[::1:80"}) {
    EXPECT_FALSE(parseEndpoint(bad).has_value()) << bad;
  }
}

TEST(ParseEndpoint, Unix) {
  std::optional<Endpoint> e = parseEndpoint("unix:/run/vcproxy/mc.sock");
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is_unix);
  EXPECT_EQ(e->path, "/run/vcproxy/mc.sock");
  EXPECT_EQ(e->host, "");
  EXPECT_EQ(e->port, 0);
  EXPECT_EQ(e->text, "unix:/run/vcproxy/mc.sock");
}

TEST(ParseEndpoint, UnixPathMustBeAbsoluteAndFit) {
  std::string why;
  EXPECT_FALSE(parseEndpoint("unix:run/mc.sock", &why).has_value());
  EXPECT_NE(why.find("absolute"), std::string::npos) << why;
  EXPECT_FALSE(parseEndpoint("unix:").has_value());

  std::string longest = "unix:/" + std::string(106, 'a');  // 107-byte path: fits sun_path
  EXPECT_TRUE(parseEndpoint(longest).has_value());
  EXPECT_FALSE(parseEndpoint(longest + "a", &why).has_value());
  EXPECT_NE(why.find("107"), std::string::npos) << why;
}

TEST(ParseEndpoint, BadPort) {
  std::string why;
  for (const char* bad : {"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:99999999999999999999",
                          "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:8o", "127.0.0.1:80 "}) {
    EXPECT_FALSE(parseEndpoint(bad, &why).has_value()) << bad;
  }
  EXPECT_FALSE(parseEndpoint("127.0.0.1:65536", &why).has_value());
  EXPECT_NE(why.find("1..65535"), std::string::npos) << why;
}

TEST(ParseEndpoint, MissingPort) {
  std::string why;
  EXPECT_FALSE(parseEndpoint("127.0.0.1", &why).has_value());
  EXPECT_EQ(why, "missing port");
  EXPECT_FALSE(parseEndpoint("127.0.0.1:", &why).has_value());
  EXPECT_EQ(why, "missing port");
  EXPECT_FALSE(parseEndpoint("[::1]", &why).has_value());
  EXPECT_EQ(why, "missing port");
  EXPECT_FALSE(parseEndpoint("localhost", &why).has_value());
  EXPECT_EQ(why, "missing port");
}

TEST(ParseEndpoint, BadHost) {
  std::string why;
  EXPECT_FALSE(parseEndpoint("::1:6379", &why).has_value());
  EXPECT_NE(why.find("brackets"), std::string::npos) << why;
  EXPECT_FALSE(parseEndpoint(":6379", &why).has_value());
  EXPECT_EQ(why, "missing host");
  for (const char* bad :
       {"256.0.0.1:80", "1.2.3:80", "1.2.3.4.5:80", "01.2.3.4:80", "1..2.3:80", "-host:80",
        "host-:80", "ho st:80", "host..x:80", "host.:80", "h@st:80", "", "\t:80", "a\n:80"}) {
    EXPECT_FALSE(parseEndpoint(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parseEndpoint(std::string(64, 'a') + ":80").has_value());  // label > 63
  EXPECT_TRUE(parseEndpoint(std::string(63, 'a') + ":80").has_value());
}

TEST(SameAddress, IgnoresTextAndHostCase) {
  Endpoint a = *parseEndpoint("LocalHost:80");
  Endpoint b = *parseEndpoint("localhost:80");
  EXPECT_TRUE(sameAddress(a, b));
  EXPECT_FALSE(sameAddress(a, *parseEndpoint("localhost:81")));
  EXPECT_TRUE(sameAddress(*parseEndpoint("unix:/a"), *parseEndpoint("unix:/a")));
  EXPECT_FALSE(sameAddress(*parseEndpoint("unix:/a"), *parseEndpoint("unix:/b")));
}

}  // namespace
}  // namespace vcproxy::config
