// Every endpoint of ARCHITECTURE.md §5 over real HTTP (admin_client), against a fake Service
// whose completions come later from a uv timer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "admin/admin_client.h"
#include "tests/unit/admin/server_harness.h"

namespace vcproxy::admin::testing {
namespace {

using Json = nlohmann::json;

class EndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()) << server_.startError(); }

  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "") {
    HttpResult result = request(server_.url(), method, path, body, "", 5000);
    EXPECT_TRUE(result.ok()) << result.error;
    return result;
  }
  // The answer's JSON, checking status and content type.
  Json json(const std::string& method, const std::string& path, int status, const std::string& body = "") {
    HttpResult result = call(method, path, body);
    EXPECT_EQ(result.status, status) << method << " " << path << ": " << result.body;
    EXPECT_EQ(result.content_type, "application/json") << path;
    Json doc = Json::parse(result.body, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << result.body;
    return doc;
  }
  void expectError(const std::string& method, const std::string& path, int status, const std::string& message,
                   const std::string& body = "") {
    Json doc = json(method, path, status, body);
    EXPECT_EQ(doc, Json({{"error", message}})) << method << " " << path;
  }
  template <typename T>
  T onLoop(const std::function<T(FakeService&)>& read) {
    T value{};
    server_.runOnLoop([&] { value = read(server_.fake()); });
    return value;
  }

  ServerHarness server_;
};

TEST_F(EndpointsTest, ListsCaches) {
  Json doc = json("GET", "/caches", 200);
  const Json expected = Json::parse(R"({"caches":[
    {"name":"bans","version":"AAAAAAAA","patterns":["misago:bans:*",":1:bans:*"],"mode":"normal","version_age_seconds":12.5},
    {"name":"acl","version":"BBBBBBBB","patterns":["acl:*"],"mode":"normal","version_age_seconds":3.0}]})");
  EXPECT_EQ(doc, expected);
}

TEST_F(EndpointsTest, GetsOneCacheOr404) {
  Json doc = json("GET", "/caches/acl", 200);
  EXPECT_EQ(doc["name"], "acl");
  EXPECT_EQ(doc["version"], "BBBBBBBB");
  EXPECT_EQ(doc["patterns"], Json::array({"acl:*"}));
  EXPECT_EQ(doc["mode"], "normal");
  expectError("GET", "/caches/nope", 404, "unknown cache \"nope\"");
  expectError("GET", "/caches/" + percentEncode("a b/c"), 404, "unknown cache \"a b/c\"");
}

TEST_F(EndpointsTest, ChecksVersionValidity) {
  EXPECT_EQ(json("GET", "/caches/bans/valid?version=AAAAAAAA", 200), Json({{"valid", true}}));
  EXPECT_EQ(json("GET", "/caches/bans/valid?version=BBBBBBBB", 200), Json({{"valid", false}}));
  EXPECT_EQ(json("GET", "/caches/bans/valid?version=", 200), Json({{"valid", false}}));
  expectError("GET", "/caches/bans/valid", 400, "query: \"version\" is required");
  expectError("GET", "/caches/bans/valid?other=1", 400, "query: \"version\" is required");
  expectError("GET", "/caches/nope/valid?version=AAAAAAAA", 404, "unknown cache \"nope\"");
}

TEST_F(EndpointsTest, InvalidatesOneCache) {
  Json doc = json("POST", "/caches/bans/invalidate", 200);
  EXPECT_EQ(doc, Json({{"name", "bans"}, {"version", "NEW00001"}, {"previous", "AAAAAAAA"}}));
  EXPECT_EQ(json("GET", "/caches/bans", 200)["version"], "NEW00001");
  auto calls = onLoop<std::vector<std::vector<std::string>>>([](FakeService& f) { return f.invalidate_calls_; });
  EXPECT_EQ(calls, (std::vector<std::vector<std::string>>{{"bans"}}));
  expectError("POST", "/caches/nope/invalidate", 404, "unknown cache \"nope\"");
}

TEST_F(EndpointsTest, StoreFailureKeepsItsStatus) {
  server_.runOnLoop([&] { server_.fake().store_down_ = true; });
  expectError("POST", "/caches/bans/invalidate", 503, "version store unreachable");
  expectError("POST", "/invalidate", 503, "version store unreachable", R"({"caches":["bans"]})");
  expectError("POST", "/invalidate-all", 503, "version store unreachable");
  expectError("PUT", "/caches/acl/mode", 503, "version store unreachable", R"({"mode":"bypass"})");
  expectError("DELETE", "/listeners/memcache/keys/x", 503, "backend unreachable");
  EXPECT_EQ(json("GET", "/caches/bans", 200)["version"], "AAAAAAAA");
}

TEST_F(EndpointsTest, InvalidatesSeveralCaches) {
  Json doc = json("POST", "/invalidate", 200, R"({"caches":["acl","bans"]})");
  ASSERT_EQ(doc["caches"].size(), 2u);
  EXPECT_EQ(doc["caches"][0], Json({{"name", "bans"}, {"version", "NEW00001"}, {"previous", "AAAAAAAA"}}));
  EXPECT_EQ(doc["caches"][1], Json({{"name", "acl"}, {"version", "NEW00002"}, {"previous", "BBBBBBBB"}}));
  auto calls = onLoop<std::vector<std::vector<std::string>>>([](FakeService& f) { return f.invalidate_calls_; });
  EXPECT_EQ(calls, (std::vector<std::vector<std::string>>{{"acl", "bans"}}));
}

TEST_F(EndpointsTest, InvalidateBodyErrorsArePrecise) {
  const std::string shape = "body: \"caches\" must be a list of cache names";
  expectError("POST", "/invalidate", 400, shape, R"({"caches":"bans"})");
  expectError("POST", "/invalidate", 400, shape, R"({"caches":["bans",3]})");
  expectError("POST", "/invalidate", 400, shape, R"({"caches":[""]})");
  expectError("POST", "/invalidate", 400, shape, R"({"names":["bans"]})");
  expectError("POST", "/invalidate", 400, "body: \"caches\" must name at least one cache", R"({"caches":[]})");
  expectError("POST", "/invalidate", 400, "body: expected a JSON object", R"(["bans"])");
  expectError("POST", "/invalidate", 400, "body: expected a JSON object, got an empty body");
  expectError("POST", "/invalidate", 400, "body: invalid JSON at byte 12", R"({"caches":[bans]})");
  expectError("POST", "/invalidate", 404, "unknown cache \"nope\"", R"({"caches":["bans","nope"]})");
  auto calls = onLoop<size_t>([](FakeService& f) { return f.invalidate_calls_.size(); });
  EXPECT_EQ(calls, 0u);  // nothing reached the Service
}

TEST_F(EndpointsTest, InvalidatesAllCaches) {
  Json doc = json("POST", "/invalidate-all", 200);
  ASSERT_EQ(doc["caches"].size(), 2u);
  EXPECT_EQ(doc["caches"][0]["name"], "bans");
  EXPECT_EQ(doc["caches"][1]["previous"], "BBBBBBBB");
  auto all = onLoop<std::vector<bool>>([](FakeService& f) { return f.invalidate_all_flags_; });
  EXPECT_EQ(all, std::vector<bool>{true});
}

TEST_F(EndpointsTest, SetsMode) {
  Json doc = json("PUT", "/caches/acl/mode", 200, R"({"mode":"write-only"})");
  EXPECT_EQ(doc["name"], "acl");
  EXPECT_EQ(doc["mode"], "write-only");
  EXPECT_EQ(json("GET", "/caches/acl", 200)["mode"], "write-only");
  const std::string modes = R"(body: "mode" must be one of "normal", "bypass", "write-only")";
  expectError("PUT", "/caches/acl/mode", 400, modes, R"({"mode":"off"})");
  expectError("PUT", "/caches/acl/mode", 400, modes, R"({"mode":1})");
  expectError("PUT", "/caches/acl/mode", 400, modes, R"({})");
  expectError("PUT", "/caches/acl/mode", 400, "body: invalid JSON at byte 9", R"({"mode":})");
  expectError("PUT", "/caches/nope/mode", 404, "unknown cache \"nope\"", R"({"mode":"bypass"})");
}

TEST_F(EndpointsTest, ExplainsKeys) {
  EXPECT_EQ(json("GET", "/explain?key=acl:user:1", 200),
            Json({{"key", "acl:user:1"}, {"cache", "acl"}, {"rewritten", "vc:acl:BBBBBBBB:acl:user:1"}}));
  EXPECT_EQ(json("GET", "/explain?key=other", 200), Json({{"key", "other"}, {"cache", nullptr}, {"rewritten", "other"}}));
  Json refused = json("GET", "/explain?key=vc:x", 200);
  EXPECT_EQ(refused["error"], "keys starting with \"vc:\" are reserved");
  expectError("GET", "/explain", 400, "query: \"key\" is required");
  expectError("GET", "/explain?key=", 400, "query: \"key\" is required");
  expectError("GET", "/explain?key=%zz", 400, "query: invalid percent-encoding");
}

TEST_F(EndpointsTest, ExplainDecodesPercentEncodedKeys) {
  const std::string key = "acl:a b&c=d/e%f+g?h#\xc3\xa9";
  Json doc = json("GET", "/explain?key=" + percentEncode(key), 200);
  EXPECT_EQ(doc["key"], key);
  EXPECT_EQ(doc["cache"], "acl");
  // A '+' in a query is a space (form encoding); an encoded %2B is a plus.
  EXPECT_EQ(json("GET", "/explain?key=a+b%2Bc", 200)["key"], "a b+c");
}

TEST_F(EndpointsTest, DeletesKeysThroughTheRewriter) {
  EXPECT_EQ(json("DELETE", "/listeners/memcache/keys/acl:user:1", 200), Json({{"deleted", true}}));
  EXPECT_EQ(json("DELETE", "/listeners/memcache/keys/acl:user:1", 200), Json({{"deleted", false}}));
  expectError("DELETE", "/listeners/redis/keys/x", 404, "unknown listener \"redis\"");
}

TEST_F(EndpointsTest, DeleteDecodesPercentEncodedKeys) {
  const std::string key = "a/b c%&+\xc3\xa9";
  EXPECT_EQ(json("DELETE", "/listeners/memcache/keys/" + percentEncode(key), 200), Json({{"deleted", true}}));
  auto calls = onLoop<std::vector<std::pair<std::string, std::string>>>([](FakeService& f) { return f.delete_calls_; });
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "memcache");
  EXPECT_EQ(calls[0].second, key);
}

TEST_F(EndpointsTest, ReloadsOrListsEveryError) {
  EXPECT_EQ(json("POST", "/reload", 200), Json({{"ok", true}}));
  server_.runOnLoop([&] {
    server_.fake().reload_errors_ = {"vcproxy.yaml:3:5: expected a list", "vcproxy.yaml:9:1: unknown key \"x\""};
  });
  Json doc = json("POST", "/reload", 400);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["errors"], Json::array({"vcproxy.yaml:3:5: expected a list", "vcproxy.yaml:9:1: unknown key \"x\""}));
  EXPECT_EQ(doc["error"], "reload failed with 2 error(s); the running config is unchanged");
  EXPECT_EQ(onLoop<int>([](FakeService& f) { return f.reloads_; }), 2);
}

TEST_F(EndpointsTest, HealthProbes) {
  EXPECT_EQ(json("GET", "/healthz", 200), Json({{"ok", true}}));
  EXPECT_EQ(json("GET", "/readyz", 200), Json({{"ok", true}}));
  server_.runOnLoop([&] {
    server_.fake().readiness_ = Health{false, {"versions not loaded", "backend 127.0.0.1:11211 unreachable"}};
  });
  Json doc = json("GET", "/readyz", 503);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["reasons"], Json::array({"versions not loaded", "backend 127.0.0.1:11211 unreachable"}));
  EXPECT_EQ(doc["error"], "not ready: versions not loaded; backend 127.0.0.1:11211 unreachable");
  EXPECT_EQ(json("GET", "/healthz", 200), Json({{"ok", true}}));
  server_.runOnLoop([&] { server_.fake().liveness_ = Health{false, {"loop stalled"}}; });
  EXPECT_EQ(json("GET", "/healthz", 503)["reasons"], Json::array({"loop stalled"}));
}

TEST_F(EndpointsTest, MetricsArePrometheusText) {
  HttpResult result = call("GET", "/metrics");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(result.body, "# TYPE vcproxy_hits_total counter\nvcproxy_hits_total{cache=\"bans\"} 3\n");
}

TEST_F(EndpointsTest, WrongMethodIs405WithAllow) {
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& c : {Case{"POST", "/caches", "GET"}, Case{"DELETE", "/caches/acl", "GET"},
                        Case{"GET", "/caches/acl/invalidate", "POST"}, Case{"GET", "/caches/acl/mode", "PUT"},
                        Case{"GET", "/invalidate", "POST"}, Case{"GET", "/invalidate-all", "POST"},
                        Case{"POST", "/explain", "GET"}, Case{"GET", "/listeners/m/keys/k", "DELETE"},
                        Case{"GET", "/reload", "POST"}, Case{"POST", "/healthz", "GET"},
                        Case{"PUT", "/metrics", "GET"}, Case{"HEAD", "/caches", "GET"}}) {
    HttpResult result = call(c.method, c.path);
    EXPECT_EQ(result.status, 405) << c.method << " " << c.path;
    if (std::string(c.method) != "HEAD") {
      EXPECT_EQ(Json::parse(result.body, nullptr, false)["error"],
                std::string("method ") + c.method + " not allowed on " + c.path + "; allowed: " + c.allow);
    }
  }
}

// The document compiled into the binary is docs/openapi.json byte for byte, and valid JSON.
TEST_F(EndpointsTest, ServesTheOpenApiDocumentOfTheTree) {
  std::ifstream file(VCPROXY_SOURCE_DIR "/docs/openapi.json", std::ios::binary);
  ASSERT_TRUE(file) << "cannot read docs/openapi.json";
  std::ostringstream expected;
  expected << file.rdbuf();
  ASSERT_GT(expected.str().size(), 1000u);
  HttpResult result = call("GET", "/openapi.json");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.content_type, "application/json");
  EXPECT_TRUE(result.body == expected.str()) << "served " << result.body.size() << " bytes, file has "
                                             << expected.str().size();
  const Json doc = Json::parse(result.body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc["paths"].contains("/openapi.json"));
  HttpResult wrong = call("POST", "/openapi.json");
  EXPECT_EQ(wrong.status, 405);
}

TEST_F(EndpointsTest, UnknownPathIs404) {
  expectError("GET", "/nope", 404, "no such endpoint: /nope");
  expectError("GET", "/caches/acl/extra/more", 404, "no such endpoint: /caches/acl/extra/more");
  expectError("GET", "/", 404, "no such endpoint: /");
}

}  // namespace
}  // namespace vcproxy::admin::testing
