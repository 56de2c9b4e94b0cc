// The admin HTTP contract of ARCHITECTURE.md section 5, against the real binary: shapes, errors,
// debug modes on the data path, deleting a key through the rewriter, the bearer token, metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "admin/admin_client.h"
#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/backend_keys.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

bool backendHolds(uint16_t port, const std::string& original_key) {
  const KeyDump dump = dumpMemcachedKeys(port);
  EXPECT_TRUE(dump.ok()) << dump.error;
  for (const auto& key : dump.keys) {
    const auto parsed = parseVersionedKey(key);
    if (key == original_key || (parsed && parsed->original == original_key)) return true;
  }
  return false;
}

// The value of one sample line "name{labels} value" in Prometheus text; -1 when absent.
double metricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

class AdminApiTest : public SidecarTest {
 protected:
  void SetUp() override {
    SidecarTest::SetUp();
    if (IsSkipped()) return;
    backend_ = std::make_unique<MemcachedServer>();
    store_ = std::make_unique<RedisServer>();
  }

  SidecarOptions options(std::string token_file = {}) const {
    SidecarOptions o;
    o.backends = {backend_->address()};
    o.caches = {{"x", {"x:*"}}, {"acl", {"acl:*", "perm:*"}}};
    o.store_url = "redis://" + store_->address() + "/0";
    o.token_file = std::move(token_file);
    return o;
  }

  std::unique_ptr<MemcachedServer> backend_;
  std::unique_ptr<RedisServer> store_;
};

TEST_F(AdminApiTest, CachesShapeUnknownValidAndExplain) {
  ProxyProcess* proxy = startSidecar(options());
  ASSERT_NE(proxy, nullptr);
  const uint16_t admin = proxy->adminPort();

  const AdminReply list = adminGet(admin, "/caches");
  ASSERT_EQ(list.status, 200) << list.describe();
  EXPECT_EQ(list.content_type.substr(0, 16), "application/json");
  ASSERT_TRUE(list.json.is_object() && list.json.contains("caches") && list.json["caches"].is_array()) << list.body;
  ASSERT_EQ(list.json["caches"].size(), 2u) << list.body;
  const auto& x = list.json["caches"][0];
  EXPECT_EQ(jsonString(x, "name"), "x");
  EXPECT_TRUE(isVersion(jsonString(x, "version"))) << list.body;
  EXPECT_EQ(x.value("patterns", nlohmann::json()), nlohmann::json::array({"x:*"})) << list.body;
  EXPECT_EQ(jsonString(x, "mode"), "normal");
  const auto& acl = list.json["caches"][1];
  EXPECT_EQ(jsonString(acl, "name"), "acl");
  EXPECT_EQ(acl.value("patterns", nlohmann::json()), nlohmann::json::array({"acl:*", "perm:*"})) << list.body;

  const AdminReply one = adminGet(admin, "/caches/x");
  ASSERT_EQ(one.status, 200) << one.describe();
  const std::string version = jsonString(one.json, "version");
  EXPECT_EQ(version, jsonString(x, "version"));
  EXPECT_EQ(jsonString(one.json, "mode"), "normal");

  const AdminReply unknown = adminGet(admin, "/caches/unknown");
  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  EXPECT_EQ(unknown.content_type.substr(0, 16), "application/json");
  EXPECT_NE(jsonString(unknown.json, "error").find("unknown"), std::string::npos) << unknown.body;
  EXPECT_EQ(adminCall(admin, "POST", "/caches/unknown/invalidate").status, 404);
  EXPECT_EQ(adminGet(admin, "/caches/unknown/valid?version=" + version).status, 404);

  const AdminReply valid = adminGet(admin, "/caches/x/valid?version=" + version);
  ASSERT_EQ(valid.status, 200) << valid.describe();
  EXPECT_EQ(valid.json, nlohmann::json({{"valid", true}})) << valid.body;
  const AdminReply invalid = adminGet(admin, "/caches/x/valid?version=AAAAAAAA");
  EXPECT_EQ(invalid.json, nlohmann::json({{"valid", false}})) << invalid.body;
  EXPECT_EQ(adminGet(admin, "/caches/x/valid").status, 400) << "version is required";

  const AdminReply matching = adminGet(admin, "/explain?key=" + admin::percentEncode("perm:7 ok?"));
  ASSERT_EQ(matching.status, 200) << matching.describe();
  EXPECT_EQ(jsonString(matching.json, "key"), "perm:7 ok?");
  EXPECT_EQ(jsonString(matching.json, "cache"), "acl") << matching.body;
  EXPECT_EQ(jsonString(matching.json, "rewritten"), "~vc:it:acl:" + cacheVersion(admin, "acl") + ":perm:7 ok?")
      << matching.body;
  const AdminReply plain = adminGet(admin, "/explain?key=" + admin::percentEncode("other:1"));
  ASSERT_EQ(plain.status, 200) << plain.describe();
  EXPECT_TRUE(plain.json.contains("cache") && plain.json["cache"].is_null()) << plain.body;
  EXPECT_EQ(jsonString(plain.json, "rewritten"), "other:1") << plain.body;
  EXPECT_EQ(adminGet(admin, "/explain").status, 400);

  // An invalidation answered here is what GET shows, and what validity checks against.
  const AdminReply invalidated = adminCall(admin, "POST", "/caches/x/invalidate");
  ASSERT_EQ(invalidated.status, 200) << invalidated.describe();
  EXPECT_EQ(cacheVersion(admin, "x"), jsonString(invalidated.json, "version"));
  EXPECT_EQ(adminGet(admin, "/caches/x/valid?version=" + version).json, nlohmann::json({{"valid", false}}));

  EXPECT_EQ(adminCall(admin, "DELETE", "/caches").status, 405) << "wrong method on a known path";
  EXPECT_EQ(adminGet(admin, "/no/such/path").status, 404);
}

TEST_F(AdminApiTest, ModesChangeTheDataPath) {
  ProxyProcess* proxy = startSidecar(options());
  ASSERT_NE(proxy, nullptr);
  const uint16_t admin = proxy->adminPort();
  TextClient client(proxy->port());
  ASSERT_EQ(mcSet(client, "x:1", "normal-value"), "STORED");
  ASSERT_TRUE(mcGet(client, "x:1").hit);

  const AdminReply bypass = adminCall(admin, "PUT", "/caches/x/mode", R"({"mode":"bypass"})");
  ASSERT_EQ(bypass.status, 200) << bypass.describe();
  EXPECT_EQ(jsonString(bypass.json, "name"), "x") << bypass.body;
  EXPECT_EQ(jsonString(bypass.json, "mode"), "bypass") << bypass.body;
  EXPECT_EQ(jsonString(adminGet(admin, "/caches/x").json, "mode"), "bypass");
  EXPECT_TRUE(mcGet(client, "x:1").miss()) << "bypass: reads miss";
  EXPECT_EQ(mcSet(client, "x:dropped", "v"), "STORED") << "bypass: writes are answered";
  EXPECT_FALSE(backendHolds(backend_->port(), "x:dropped")) << "bypass: writes are dropped";
  ASSERT_EQ(mcSet(client, "acl:1", "other"), "STORED");
  EXPECT_TRUE(mcGet(client, "acl:1").hit) << "other caches are not affected";

  const AdminReply write_only = adminCall(admin, "PUT", "/caches/x/mode", R"({"mode":"write-only"})");
  ASSERT_EQ(write_only.status, 200) << write_only.describe();
  EXPECT_EQ(jsonString(write_only.json, "mode"), "write-only");
  EXPECT_TRUE(mcGet(client, "x:1").miss()) << "write-only: reads miss";
  EXPECT_EQ(mcSet(client, "x:kept", "written"), "STORED");
  EXPECT_TRUE(mcGet(client, "x:kept").miss()) << "write-only: reads miss, even of a fresh write";
  EXPECT_TRUE(backendHolds(backend_->port(), "x:kept")) << "write-only: writes are stored";

  const AdminReply normal = adminCall(admin, "PUT", "/caches/x/mode", R"({"mode":"normal"})");
  ASSERT_EQ(normal.status, 200) << normal.describe();
  EXPECT_EQ(jsonString(normal.json, "mode"), "normal");
  const GetResult kept = mcGet(client, "x:kept");
  EXPECT_TRUE(kept.hit && kept.value == "written") << "the write-only write is visible again: " << kept.error;
  const GetResult first = mcGet(client, "x:1");
  EXPECT_TRUE(first.hit && first.value == "normal-value") << first.error;
  EXPECT_TRUE(mcGet(client, "x:dropped").miss());

  // Bad requests change nothing.
  const AdminReply bad_json = adminCall(admin, "PUT", "/caches/x/mode", R"({"mode":)");
  EXPECT_EQ(bad_json.status, 400) << bad_json.describe();
  EXPECT_FALSE(jsonString(bad_json.json, "error").empty()) << bad_json.body;
  EXPECT_EQ(adminCall(admin, "PUT", "/caches/x/mode", R"({"mode":"off"})").status, 400);
  EXPECT_EQ(adminCall(admin, "PUT", "/caches/x/mode", "").status, 400);
  EXPECT_EQ(adminCall(admin, "PUT", "/caches/nope/mode", R"({"mode":"bypass"})").status, 404);
  EXPECT_EQ(adminCall(admin, "POST", "/invalidate", R"({"caches":"x"})").status, 400);
  EXPECT_EQ(adminCall(admin, "POST", "/invalidate", R"([)").status, 400);
  EXPECT_EQ(jsonString(adminGet(admin, "/caches/x").json, "mode"), "normal");
}

TEST_F(AdminApiTest, DeleteKeyThroughTheRewriter) {
  ProxyProcess* proxy = startSidecar(options());
  ASSERT_NE(proxy, nullptr);
  const uint16_t admin = proxy->adminPort();
  TextClient client(proxy->port());
  ASSERT_EQ(mcSet(client, "x:del", "value"), "STORED");
  ASSERT_EQ(mcSet(client, "raw:del", "value"), "STORED");

  const AdminReply deleted = adminCall(admin, "DELETE", "/listeners/mc/keys/" + admin::percentEncode("x:del"));
  ASSERT_EQ(deleted.status, 200) << deleted.describe();
  EXPECT_EQ(deleted.json, nlohmann::json({{"deleted", true}})) << deleted.body;
  EXPECT_TRUE(mcGet(client, "x:del").miss());
  EXPECT_FALSE(backendHolds(backend_->port(), "x:del"));
  const AdminReply again = adminCall(admin, "DELETE", "/listeners/mc/keys/" + admin::percentEncode("x:del"));
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.json, nlohmann::json({{"deleted", false}})) << again.body;

  const AdminReply unversioned = adminCall(admin, "DELETE", "/listeners/mc/keys/raw%3Adel");
  EXPECT_EQ(unversioned.json, nlohmann::json({{"deleted", true}})) << unversioned.describe();
  EXPECT_TRUE(mcGet(client, "raw:del").miss());

  EXPECT_EQ(adminCall(admin, "DELETE", "/listeners/nope/keys/x%3A1").status, 404);
  EXPECT_EQ(adminCall(admin, "DELETE", "/listeners/mc/keys/" + admin::percentEncode("~vc:it:x:AAAAAAAA:k")).status, 400)
      << "reserved keys are refused";
}

TEST_F(AdminApiTest, BearerToken) {
  TempFile token_file("admin-token", "s3cret-token\n");
  ProxyProcess* proxy = startSidecar(options(token_file.path()));
  ASSERT_NE(proxy, nullptr);
  const uint16_t admin = proxy->adminPort();

  const AdminReply none = adminGet(admin, "/caches");
  EXPECT_EQ(none.status, 401) << none.describe();
  EXPECT_FALSE(jsonString(none.json, "error").empty()) << none.body;
  EXPECT_EQ(adminGet(admin, "/caches", "wrong-token").status, 401);
  EXPECT_EQ(adminGet(admin, "/caches", "s3cret-toke").status, 401) << "a prefix of the token";
  EXPECT_EQ(adminCall(admin, "POST", "/caches/x/invalidate").status, 401);
  EXPECT_EQ(adminGet(admin, "/metrics").status, 401);
  EXPECT_EQ(adminGet(admin, "/openapi.json").status, 401) << "only the probes are open";
  const AdminReply openapi = adminGet(admin, "/openapi.json", "s3cret-token");
  EXPECT_EQ(openapi.status, 200) << openapi.describe();
  EXPECT_TRUE(openapi.json.is_object() && openapi.json.value("openapi", "").starts_with("3.")) << openapi.body.substr(0, 200);
  const AdminReply right = adminGet(admin, "/caches", "s3cret-token");
  EXPECT_EQ(right.status, 200) << right.describe();
  EXPECT_EQ(adminCall(admin, "POST", "/caches/x/invalidate", "", "s3cret-token").status, 200);
  EXPECT_EQ(adminGet(admin, "/healthz").status, 200);
  EXPECT_EQ(adminGet(admin, "/readyz").status, 200);
}

TEST_F(AdminApiTest, MetricsCountHitsAndBackendLatency) {
  ProxyProcess* proxy = startSidecar(options());
  ASSERT_NE(proxy, nullptr);
  const uint16_t admin = proxy->adminPort();
  TextClient client(proxy->port());
  ASSERT_EQ(mcSet(client, "x:m", "value"), "STORED");

  const AdminReply before = adminGet(admin, "/metrics");
  ASSERT_EQ(before.status, 200) << before.describe();
  EXPECT_EQ(before.content_type.substr(0, 10), "text/plain") << before.content_type;
  const std::string hits = R"(vcproxy_cache_hits_total{cache="x"})";
  const double hits_before = metricValue(before.body, hits);
  ASSERT_GE(hits_before, 0) << hits << " missing from\n" << before.body;
  EXPECT_NE(before.body.find("vcproxy_backend_latency_seconds_bucket"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find(R"(vcproxy_cache_hits_total{cache="acl"})"), std::string::npos);

  ASSERT_TRUE(mcGet(client, "x:m").hit);
  double hits_after = hits_before;
  const auto grew = pollUntil(1000ms, [&] {
    hits_after = metricValue(adminGet(admin, "/metrics").body, hits);
    return hits_after > hits_before;
  }, 5ms);
  EXPECT_TRUE(grew) << hits << " stayed at " << hits_before << " after a hit";
  EXPECT_EQ(hits_after, hits_before + 1);
  const AdminReply miss_before = adminGet(admin, "/metrics");
  const std::string misses = R"(vcproxy_cache_misses_total{cache="x"})";
  const double misses_before = metricValue(miss_before.body, misses);
  ASSERT_TRUE(mcGet(client, "x:absent").miss());
  EXPECT_TRUE(pollUntil(1000ms, [&] { return metricValue(adminGet(admin, "/metrics").body, misses) > misses_before; }, 5ms))
      << misses << " did not grow after a miss";
}

}  // namespace
}  // namespace vcproxy::test
