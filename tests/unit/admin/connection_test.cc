// The HTTP layer over raw sockets: keep-alive, pipelining, limits, timeouts, malformed input,
// authentication, and clients that leave before their answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "admin/admin_client.h"
#include "tests/unit/admin/raw_http.h"
#include "tests/unit/admin/server_harness.h"

namespace vcproxy::admin::testing {
namespace {

using Json = nlohmann::json;

Json bodyOf(const std::optional<RawResponse>& response) {
  return response ? Json::parse(response->body, nullptr, false) : Json();
}

AdminServer::Options withLimits(const std::function<void(HttpLimits&)>& change) {
  AdminServer::Options options = ServerHarness::testOptions();
  change(options.limits);
  return options;
}

TEST(ConnectionTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  ServerHarness server;
  ASSERT_TRUE(server.started()) << server.startError();
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send(rawRequest("GET", "/caches/acl")));
    auto response = client.read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->header("content-type"), "application/json");
    EXPECT_EQ(response->header("connection"), "");
    EXPECT_EQ(bodyOf(response)["name"], "acl");
  }
  // The async path on the same connection.
  ASSERT_TRUE(client.send(rawRequest("POST", "/caches/acl/invalidate")));
  EXPECT_EQ(bodyOf(client.read())["previous"], "BBBBBBBB");
  ASSERT_TRUE(client.send(rawRequest("GET", "/healthz")));
  EXPECT_EQ(bodyOf(client.read())["ok"], true);
  bool one = server.waitUntil([&] { return server.server().connectionCount() == 1; });
  EXPECT_TRUE(one);
}

TEST(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  // One write: an async invalidation, then reads that must see its result, then more.
  std::string batch = rawRequest("POST", "/caches/bans/invalidate") + rawRequest("GET", "/caches/bans") +
                      rawRequest("GET", "/nope") + rawRequest("POST", "/invalidate", R"({"caches":["acl"]})") +
                      rawRequest("GET", "/caches/acl/valid?version=NEW00002") + rawRequest("GET", "/metrics");
  ASSERT_TRUE(client.send(batch));
  auto first = client.read();
  EXPECT_EQ(bodyOf(first), Json({{"name", "bans"}, {"version", "NEW00001"}, {"previous", "AAAAAAAA"}}));
  EXPECT_EQ(bodyOf(client.read())["version"], "NEW00001");
  auto missing = client.read();
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(bodyOf(client.read())["caches"][0]["version"], "NEW00002");
  EXPECT_EQ(bodyOf(client.read()), Json({{"valid", true}}));
  auto metrics = client.read();
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->header("content-type"), "text/plain; version=0.0.4");
}

TEST(ConnectionTest, ManyPipelinedRequestsBeyondTheQueueBound) {
  ServerHarness server(withLimits([](HttpLimits& l) { l.max_pipelined = 2; }));
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += rawRequest("PUT", "/caches/acl/mode", i % 2 ? R"({"mode":"bypass"})" : R"({"mode":"normal"})");
  ASSERT_TRUE(client.send(batch));
  for (int i = 0; i < 50; ++i) {
    auto response = client.read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(bodyOf(response)["mode"], i % 2 ? "bypass" : "normal") << i;
  }
}

TEST(ConnectionTest, SynchronousCompletionsInAPipeline) {
  // done fires before the Service call returns: answered in order, no recursion trouble.
  ServerHarness server(ServerHarness::testOptions(), [](FakeService& f) { f.async_delay_ms_ = 0; });
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  std::string batch;
  for (int i = 0; i < 200; ++i) batch += rawRequest("POST", "/caches/acl/invalidate");
  ASSERT_TRUE(client.send(batch));
  for (int i = 0; i < 200; ++i) {
    auto response = client.read();
    ASSERT_TRUE(response.has_value()) << i;
    char version[16];
    std::snprintf(version, sizeof version, "NEW%05d", i + 1);
    EXPECT_EQ(bodyOf(response)["version"], version) << i;
  }
}

TEST(ConnectionTest, ASecondAnswerToOneRequestIsIgnored) {
  ServerHarness server(ServerHarness::testOptions(), [](FakeService& f) { f.answer_twice_ = true; });
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("POST", "/reload") + rawRequest("DELETE", "/listeners/memcache/keys/acl:user:1")));
  EXPECT_EQ(bodyOf(client.read()), Json({{"ok", true}}));
  EXPECT_EQ(bodyOf(client.read()), Json({{"deleted", true}}));  // not the second {"deleted":false}
  ASSERT_TRUE(client.send(rawRequest("GET", "/caches/acl")));
  EXPECT_EQ(bodyOf(client.read())["name"], "acl");
}

TEST(ConnectionTest, AThrowingServiceGets500AndTheServerGoesOn) {
  ServerHarness server(ServerHarness::testOptions(), [](FakeService& f) { f.throw_ = true; });
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("GET", "/caches") + rawRequest("POST", "/reload") + rawRequest("GET", "/caches/acl")));
  auto list = client.read();
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->status, 500);
  EXPECT_EQ(bodyOf(list), Json({{"error", "internal error: boom"}}));
  EXPECT_EQ(bodyOf(client.read()), Json({{"error", "internal error: reload exploded"}}));
  EXPECT_EQ(bodyOf(client.read())["name"], "acl");
}

TEST(ConnectionTest, ActivityKeepsTheIdleTimerAway) {
  ServerHarness server(withLimits([](HttpLimits& l) { l.idle_timeout_ms = 1000; }));
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  // Busy for longer than the idle timeout, never idle for long.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(client.send(rawRequest("GET", "/healthz"))) << answered;
    ASSERT_TRUE(client.read().has_value()) << "closed after " << answered << " requests";
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST(ConnectionTest, ConnectionCloseIsHonoured) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("GET", "/caches", "", "Connection: close\r\n") + rawRequest("GET", "/caches")));
  auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(client.closedByServer());  // the request after "close" is not answered
}

TEST(ConnectionTest, Http10ClosesUnlessKeepAlive) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient plain(server.port());
  ASSERT_TRUE(plain.send("GET /healthz HTTP/1.0\r\n\r\n"));
  auto response = plain.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(plain.closedByServer());

  RawClient kept(server.port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto again = kept.read();
    ASSERT_TRUE(again.has_value()) << i;
    EXPECT_EQ(again->header("connection"), "keep-alive");
  }
}

TEST(ConnectionTest, HalfClosedClientStillGetsItsAnswers) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("POST", "/reload") + rawRequest("GET", "/readyz")));
  client.shutdownWrite();
  EXPECT_EQ(bodyOf(client.read()), Json({{"ok", true}}));
  EXPECT_EQ(bodyOf(client.read()), Json({{"ok", true}}));
  EXPECT_TRUE(client.closedByServer());
}

TEST(ConnectionTest, MalformedHttpIs400AndClose) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  for (const char* garbage : {"HELLO\r\n\r\n", "GET /caches HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                              "GET /caches HTTP/1.1\r\nBad Header\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}) {
    RawClient client(server.port());
    ASSERT_TRUE(client.send(garbage));
    auto response = client.read();
    ASSERT_TRUE(response.has_value()) << garbage;
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_EQ(response->header("content-type"), "application/json");
    const std::string error = bodyOf(response).value("error", "");
    EXPECT_EQ(error.rfind("malformed HTTP request: ", 0), 0u) << error;
    EXPECT_TRUE(client.closedByServer());
  }
}

TEST(ConnectionTest, GoodRequestBeforeGarbageIsStillAnswered) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("GET", "/caches/acl") + "NOT HTTP\r\n\r\n"));
  EXPECT_EQ(bodyOf(client.read())["name"], "acl");
  auto error = client.read();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->status, 400);
  EXPECT_TRUE(client.closedByServer());
}

TEST(ConnectionTest, OversizedBodyIs413) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  {
    RawClient client(server.port());
    ASSERT_TRUE(client.send("POST /invalidate HTTP/1.1\r\nContent-Length: 65537\r\n\r\n"));
    auto response = client.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(bodyOf(response), Json({{"error", "request body larger than 65536 bytes"}}));
    EXPECT_TRUE(client.closedByServer());
  }
  {
    RawClient client(server.port());
    std::string chunk(40000, ' ');
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    ASSERT_TRUE(client.send("POST /invalidate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) +
                            "\r\n" + chunk + "\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto response = client.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
  }
  // Exactly at the limit is fine (and then a JSON error about the content, not the size).
  HttpResult at_limit = request(server.url(), "POST", "/invalidate", std::string(65536, ' '));
  EXPECT_EQ(at_limit.status, 400) << at_limit.error;
  HttpResult beyond = request(server.url(), "POST", "/invalidate", std::string(200000, ' '));
  ASSERT_TRUE(beyond.ok()) << beyond.error;
  EXPECT_EQ(beyond.status, 413);
}

TEST(ConnectionTest, OversizedHeadersAre431) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET /caches HTTP/1.1\r\nX-Big: " + std::string(9000, 'x') + "\r\n\r\n"));
  auto response = client.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(bodyOf(response), Json({{"error", "request headers larger than 8192 bytes"}}));
  EXPECT_TRUE(client.closedByServer());
}

TEST(ConnectionTest, SlowRequestIs408AndClose) {
  ServerHarness server(withLimits([](HttpLimits& l) { l.request_timeout_ms = 100; }));
  ASSERT_TRUE(server.started());
  {
    RawClient headers(server.port());
    ASSERT_TRUE(headers.send("GET /caches HTTP/1.1\r\nHost: x\r\n"));
    auto response = headers.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 408);
    EXPECT_EQ(bodyOf(response), Json({{"error", "request not complete within 100 ms"}}));
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(headers.closedByServer());
  }
  {
    RawClient body(server.port());
    ASSERT_TRUE(body.send("POST /invalidate HTTP/1.1\r\nContent-Length: 20\r\n\r\n{\"caches\""));
    auto response = body.read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 408);
    EXPECT_TRUE(body.closedByServer());
  }
  {
    // A complete request is answered first; the slow one after it gets the 408.
    RawClient mixed(server.port());
    ASSERT_TRUE(mixed.send(rawRequest("GET", "/healthz") + "GET /caches HTT"));
    auto ok = mixed.read();
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->status, 200);
    auto late = mixed.read();
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(late->status, 408);
  }
  auto calls = 0u;
  server.runOnLoop([&] { calls = server.fake().invalidate_calls_.size(); });
  EXPECT_EQ(calls, 0u);
}

TEST(ConnectionTest, IdleConnectionIsClosedQuietly) {
  ServerHarness server(withLimits([](HttpLimits& l) { l.idle_timeout_ms = 100; }));
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("GET", "/healthz")));
  ASSERT_TRUE(client.read().has_value());
  EXPECT_TRUE(client.closedByServer());  // no bytes, just the close
}

TEST(ConnectionTest, ExpectContinueGetsContinueThenTheAnswer) {
  ServerHarness server;
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  const std::string body = R"({"caches":["acl"]})";
  ASSERT_TRUE(client.send("POST /invalidate HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = client.read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send(body));
  EXPECT_EQ(bodyOf(client.read())["caches"][0]["name"], "acl");
}

TEST(ConnectionTest, TooManyConnectionsGet503) {
  ServerHarness server(withLimits([](HttpLimits& l) { l.max_connections = 2; }));
  ASSERT_TRUE(server.started());
  RawClient a(server.port());
  RawClient b(server.port());
  ASSERT_TRUE(server.waitUntil([&] { return server.server().connectionCount() == 2; }));
  RawClient c(server.port());
  auto refused = c.read();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(bodyOf(refused), Json({{"error", "too many admin connections (limit 2)"}}));
  EXPECT_TRUE(c.closedByServer());
  ASSERT_TRUE(a.send(rawRequest("GET", "/healthz")));
  EXPECT_EQ(bodyOf(a.read())["ok"], true);
}

// The fake holds the completion; the client leaves; the completion then fires into nothing.
void leaveBeforeDone(bool hard) {
  ServerHarness server(ServerHarness::testOptions(), [](FakeService& f) { f.async_delay_ms_ = FakeService::kHold; });
  ASSERT_TRUE(server.started());
  {
    RawClient client(server.port());
    ASSERT_TRUE(client.send(rawRequest("POST", "/invalidate-all") + rawRequest("GET", "/caches")));
    ASSERT_TRUE(server.waitUntil([&] { return server.fake().held() == 1; }));
    if (hard) {
      client.reset();
    } else {
      client.close();
    }
  }
  if (hard) {
    ASSERT_TRUE(server.waitUntil([&] { return server.server().connectionCount() == 0; }));
  }
  int fired = 0;
  server.runOnLoop([&] {
    server.fake().releaseHeld();
    fired = server.fake().dones_fired_;
  });
  EXPECT_EQ(fired, 1);
  // The server is unharmed; the completion did change the versions.
  HttpResult after = request(server.url(), "GET", "/caches/bans");
  ASSERT_TRUE(after.ok()) << after.error;
  EXPECT_EQ(Json::parse(after.body)["version"], "NEW00001");
  EXPECT_TRUE(server.waitUntil([&] { return server.server().connectionCount() == 0; }));
  server.shutdown();
  EXPECT_EQ(server.loopCloseResult(), 0);  // no handle leaked
}

TEST(ConnectionTest, ClientResetBeforeAsyncDoneDropsTheAnswer) { leaveBeforeDone(true); }

TEST(ConnectionTest, ClientCloseBeforeAsyncDoneIsHarmless) { leaveBeforeDone(false); }

TEST(ConnectionTest, StopWithAnswersPendingClosesEverything) {
  ServerHarness server(ServerHarness::testOptions(), [](FakeService& f) { f.async_delay_ms_ = FakeService::kHold; });
  ASSERT_TRUE(server.started());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(rawRequest("POST", "/reload")));
  ASSERT_TRUE(server.waitUntil([&] { return server.fake().held() == 1; }));
  // Stopping the server while the Service still holds a completion, which then fires.
  server.runOnLoop([&] {
    server.server().stop();
    server.fake().releaseHeld();
  });
  EXPECT_TRUE(client.closedByServer());
  server.shutdown();
  EXPECT_EQ(server.loopCloseResult(), 0);
}

// Every endpoint with its method, for the authentication sweep.
struct Endpoint {
  const char* method;
  const char* path;
  const char* body;
};
const std::vector<Endpoint> kEndpoints = {
    {"GET", "/caches", ""},
    {"GET", "/caches/acl", ""},
    {"GET", "/caches/acl/valid?version=x", ""},
    {"POST", "/caches/acl/invalidate", ""},
    {"POST", "/invalidate", R"({"caches":["acl"]})"},
    {"POST", "/invalidate-all", ""},
    {"PUT", "/caches/acl/mode", R"({"mode":"bypass"})"},
    {"GET", "/explain?key=acl:1", ""},
    {"DELETE", "/listeners/memcache/keys/acl:user:1", ""},
    {"POST", "/reload", ""},
    {"GET", "/metrics", ""},
    {"GET", "/nope", ""},  // unknown paths too: 401 hides which paths exist
};

TEST(ConnectionTest, TokenIsRequiredEverywhereButTheProbes) {
  AdminServer::Options options = ServerHarness::testOptions();
  options.token = "s3cret-token";
  ServerHarness server(options);
  ASSERT_TRUE(server.started());
  for (const Endpoint& e : kEndpoints) {
    for (const char* token : {"", "wrong", "s3cret-toke", "s3cret-token2"}) {
      HttpResult result = request(server.url(), e.method, e.path, e.body, token);
      ASSERT_TRUE(result.ok()) << result.error;
      EXPECT_EQ(result.status, 401) << e.method << " " << e.path << " token=" << token;
    }
    RawClient raw(server.port());
    ASSERT_TRUE(raw.send(rawRequest(e.method, e.path, e.body)));
    auto denied = raw.read();
    ASSERT_TRUE(denied.has_value());
    EXPECT_EQ(denied->header("www-authenticate"), "Bearer");
    EXPECT_EQ(bodyOf(denied)["error"], "missing bearer token (Authorization: Bearer <token>)");
  }
  int calls = -1;
  server.runOnLoop([&] {
    const FakeService& f = server.fake();
    calls = static_cast<int>(f.invalidate_calls_.size() + f.delete_calls_.size()) + f.reloads_;
  });
  EXPECT_EQ(calls, 0);  // nothing reached the Service
  for (const Endpoint& e : kEndpoints) {
    HttpResult result = request(server.url(), e.method, e.path, e.body, "s3cret-token");
    EXPECT_NE(result.status, 401) << e.method << " " << e.path;
    EXPECT_EQ(result.status, std::string(e.path) == "/nope" ? 404 : 200) << e.method << " " << e.path;
  }
  for (const char* probe : {"/healthz", "/readyz"}) {
    HttpResult result = request(server.url(), "GET", probe);
    EXPECT_EQ(result.status, 200) << probe;
  }
}

TEST(ConnectionTest, NonLoopbackWithoutTokenIsRefused) {
  AdminServer::Options options = ServerHarness::testOptions();
  options.host = "0.0.0.0";
  {
    ServerHarness server(options);
    EXPECT_FALSE(server.started());
    EXPECT_EQ(server.startError(),
              "admin: refusing to listen on 0.0.0.0:0 without a token; off loopback the admin API needs one "
              "(admin.token_file)");
  }
  options.token = "s3cret";
  ServerHarness server(options);
  EXPECT_TRUE(server.started()) << server.startError();
}

TEST(ConnectionTest, PortInUseIsAClearError) {
  ServerHarness first;
  ASSERT_TRUE(first.started());
  AdminServer::Options options = ServerHarness::testOptions();
  options.port = first.port();
  ServerHarness second(options);
  EXPECT_FALSE(second.started());
  EXPECT_EQ(second.startError(), "admin: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                                     ": address already in use");
}

}  // namespace
}  // namespace vcproxy::admin::testing
