// Routing and percent-decoding, without sockets.
#include "admin/router.h"

#include <gtest/gtest.h>

#include <optional>

namespace vcproxy::admin {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  std::string out;
  EXPECT_TRUE(percentDecode("a%20b%2Fc%25d+e", false, out));
  EXPECT_EQ(out, "a b/c%d+e");
  EXPECT_TRUE(percentDecode("a+b%2B", true, out));
  EXPECT_EQ(out, "a b+");
  EXPECT_TRUE(percentDecode("%c3%A9", false, out));
  EXPECT_EQ(out, "\xc3\xa9");
  EXPECT_FALSE(percentDecode("%", false, out));
  EXPECT_FALSE(percentDecode("%2", false, out));
  EXPECT_FALSE(percentDecode("ab%zz", false, out));
}

TEST(SplitPathTest, SplitsBeforeDecodingSoEncodedSlashesStayInTheirSegment) {
  std::vector<std::string> segments;
  ASSERT_TRUE(splitPath("/listeners/memcache/keys/a%2Fb%20c", segments));
  EXPECT_EQ(segments, (std::vector<std::string>{"listeners", "memcache", "keys", "a/b c"}));
  EXPECT_FALSE(splitPath("caches", segments));
  EXPECT_FALSE(splitPath("/caches/%G0", segments));
  ASSERT_TRUE(splitPath("/", segments));
  EXPECT_EQ(segments, (std::vector<std::string>{""}));
}

TEST(ParseQueryTest, DecodesValuesAndKeepsTheFirstOfDuplicates) {
  ArgMap query;
  ASSERT_TRUE(parseQuery("key=a%26b+c&flag&&version=1&version=2", query));
  EXPECT_EQ(query["key"], "a&b c");
  EXPECT_EQ(query["flag"], "");
  EXPECT_EQ(query["version"], "1");
  EXPECT_EQ(query.size(), 3u);
  ArgMap bad;
  EXPECT_FALSE(parseQuery("key=%zz", bad));
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto record = [this](std::string name) {
      return [this, name](const HttpRequest&, const RouteArgs& args, Respond) {
        called_ = name;
        args_ = args;
      };
    };
    router_.add("GET", "/caches", record("list"));
    router_.add("GET", "/caches/{name}", record("get"));
    router_.add("PUT", "/caches/{name}/mode", record("mode"));
    router_.add("GET", "/caches/{name}/mode", record("get-mode"));
    router_.add("DELETE", "/listeners/{listener}/keys/{key}", record("delete"));
  }

  std::optional<HttpResponse> dispatch(const std::string& method, const std::string& target) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    std::optional<HttpResponse> answer;
    router_.dispatch(request, [&](HttpResponse r) { answer = std::move(r); });
    return answer;
  }

  Router router_;
  std::string called_;
  RouteArgs args_;
};

TEST_F(RouterTest, MatchesLiteralsAndDecodedParameters) {
  EXPECT_FALSE(dispatch("GET", "/caches").has_value());
  EXPECT_EQ(called_, "list");
  dispatch("GET", "/caches/my%20cache?x=%41");
  EXPECT_EQ(called_, "get");
  EXPECT_EQ(args_.path.at("name"), "my cache");
  ASSERT_NE(args_.queryValue("x"), nullptr);
  EXPECT_EQ(*args_.queryValue("x"), "A");
  EXPECT_EQ(args_.queryValue("y"), nullptr);
  dispatch("DELETE", "/listeners/mc/keys/a%2Fb");
  EXPECT_EQ(called_, "delete");
  EXPECT_EQ(args_.path.at("listener"), "mc");
  EXPECT_EQ(args_.path.at("key"), "a/b");
}

TEST_F(RouterTest, UnknownPathIs404) {
  for (const char* target : {"/nope", "/caches/a/b/c", "/caches/", "/caches//mode", "/"}) {
    auto answer = dispatch("GET", target);
    ASSERT_TRUE(answer.has_value()) << target;
    EXPECT_EQ(answer->status, 404) << target;
  }
  EXPECT_TRUE(called_.empty());
}

TEST_F(RouterTest, KnownPathWithAnotherMethodIs405WithAllow) {
  auto answer = dispatch("POST", "/caches/acl/mode");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 405);
  ASSERT_EQ(answer->headers.size(), 1u);
  EXPECT_EQ(answer->headers[0].first, "Allow");
  EXPECT_EQ(answer->headers[0].second, "PUT, GET");
  EXPECT_NE(answer->body.find("\"error\""), std::string::npos);
  auto list = dispatch("DELETE", "/caches");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->headers[0].second, "GET");
  EXPECT_TRUE(called_.empty());
}

TEST_F(RouterTest, BadEscapesAre400) {
  auto path = dispatch("GET", "/caches/%zz");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->status, 400);
  auto query = dispatch("GET", "/caches/acl?version=%");
  ASSERT_TRUE(query.has_value());
  EXPECT_EQ(query->status, 400);
  EXPECT_EQ(query->body, R"({"error":"query: invalid percent-encoding"})");
}

}  // namespace
}  // namespace vcproxy::admin
