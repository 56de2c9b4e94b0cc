// The request parser alone: no sockets, bytes in, requests out.
#include "admin/http_request.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace vcproxy::admin {
namespace {

using Status = RequestParser::Status;

std::deque<HttpRequest> parseAll(std::string_view bytes, Status expected = Status::kOk,
                                 const HttpLimits& limits = HttpLimits{}) {
  RequestParser parser(limits);
  std::deque<HttpRequest> out;
  EXPECT_EQ(parser.feed(bytes, out), expected) << parser.error();
  return out;
}

TEST(RequestParserTest, ParsesMethodPathQueryHeadersAndKeepAlive) {
  auto out = parseAll("GET /caches/bans/valid?version=AAAA HTTP/1.1\r\nHost: x\r\nX-Thing:  v  \r\n\r\n");
  ASSERT_EQ(out.size(), 1u);
  const HttpRequest& r = out.front();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/caches/bans/valid?version=AAAA");
  EXPECT_EQ(r.path, "/caches/bans/valid");
  EXPECT_EQ(r.query, "version=AAAA");
  ASSERT_NE(r.header("x-thing"), nullptr);
  EXPECT_EQ(*r.header("x-thing"), "v");  // surrounding whitespace is not part of the value
  EXPECT_EQ(r.header("authorization"), nullptr);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_FALSE(r.http10);
  EXPECT_TRUE(r.body.empty());
}

TEST(RequestParserTest, ByteAtATimeGivesTheSameRequest) {
  const std::string bytes =
      "POST /invalidate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n"
      "Content-Length: 18\r\n\r\n{\"caches\":[\"acl\"]}";
  RequestParser parser(HttpLimits{});
  std::deque<HttpRequest> out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_EQ(parser.feed(std::string_view(&bytes[i], 1), out), Status::kOk) << "at byte " << i;
    EXPECT_EQ(out.size(), i + 1 == bytes.size() ? 1u : 0u);
    EXPECT_EQ(parser.midMessage(), i + 1 != bytes.size());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].method, "POST");
  EXPECT_EQ(out[0].path, "/invalidate");
  EXPECT_EQ(*out[0].header("authorization"), "Bearer s3cret");
  EXPECT_EQ(out[0].body, "{\"caches\":[\"acl\"]}");
}

TEST(RequestParserTest, DecodesChunkedBody) {
  auto out = parseAll(
      "PUT /caches/acl/mode HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n{\"mod\r\n0c\r\ne\":\"bypass\"}\r\n0\r\n\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].body, "{\"mode\":\"bypass\"}");
}

TEST(RequestParserTest, PipelinedRequestsComeOutInOrder) {
  auto out = parseAll(
      "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /c?x=1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].path, "/a");
  EXPECT_EQ(out[1].path, "/b");
  EXPECT_EQ(out[1].body, "{}");
  EXPECT_EQ(out[2].path, "/c");
  EXPECT_EQ(out[2].query, "x=1");
}

TEST(RequestParserTest, ConnectionCloseEndsTheConnectionsRequests) {
  RequestParser parser(HttpLimits{});
  std::deque<HttpRequest> out;
  EXPECT_EQ(parser.feed("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n", out), Status::kOk);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].keep_alive);
  EXPECT_TRUE(parser.stopped());
  EXPECT_EQ(parser.feed("GET /c HTTP/1.1\r\n\r\n", out), Status::kOk);
  EXPECT_EQ(out.size(), 1u);
}

TEST(RequestParserTest, Http10ClosesUnlessKeepAliveIsAsked) {
  auto plain = parseAll("GET /a HTTP/1.0\r\n\r\n");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_TRUE(plain[0].http10);
  EXPECT_FALSE(plain[0].keep_alive);
  auto kept = parseAll("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_TRUE(kept[0].keep_alive);
  EXPECT_FALSE(kept[1].keep_alive);
}

TEST(RequestParserTest, MalformedRequestIsInvalid) {
  RequestParser parser(HttpLimits{});
  std::deque<HttpRequest> out;
  EXPECT_EQ(parser.feed("GET /ok HTTP/1.1\r\n\r\nHELLO WORLD\r\n\r\n", out), Status::kInvalid);
  EXPECT_EQ(out.size(), 1u);  // the good request before the garbage still counts
  EXPECT_TRUE(parser.stopped());
  EXPECT_NE(parser.error().find("malformed HTTP request"), std::string::npos) << parser.error();
  parseAll("GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n", Status::kInvalid);
  parseAll("GET /x HTTP/9.9\r\n\r\n", Status::kInvalid);
}

TEST(RequestParserTest, HeadersBeyondTheLimitAreRefused) {
  HttpLimits limits;
  limits.max_header_bytes = 100;
  parseAll("GET /x HTTP/1.1\r\nX-A: " + std::string(80, 'a') + "\r\n\r\n", Status::kOk, limits);
  RequestParser parser(limits);
  std::deque<HttpRequest> out;
  EXPECT_EQ(parser.feed("GET /x HTTP/1.1\r\nX-A: " + std::string(120, 'a') + "\r\n\r\n", out),
            Status::kHeadersTooLarge);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(parser.error(), "request headers larger than 100 bytes");
}

// A header name past the limit that turns out malformed (a space in it) is 431 whether it arrives
// whole (llhttp rejects it before reporting it) or in pieces (its first part is counted first).
TEST(RequestParserTest, OversizedMalformedHeaderIs431HoweverItIsSplit) {
  HttpLimits limits;
  limits.max_header_bytes = 64;
  const std::string bytes = "GET / HTTP/1.1\r\n" + std::string(100, 'A') + " x\r\n\r\n";
  for (const size_t piece : {bytes.size(), size_t{1}, size_t{7}, size_t{50}}) {
    RequestParser parser(limits);
    std::deque<HttpRequest> out;
    for (size_t at = 0; at < bytes.size() && !parser.stopped(); at += piece) {
      parser.feed(std::string_view(bytes).substr(at, piece), out);
    }
    EXPECT_EQ(parser.status(), Status::kHeadersTooLarge) << "pieces of " << piece << ": " << parser.error();
    EXPECT_EQ(parser.error(), "request headers larger than 64 bytes");
  }
  // Malformed within the limit stays a 400, whole or not.
  const std::string small = "GET / HTTP/1.1\r\nAB x\r\n\r\n";
  for (const size_t piece : {small.size(), size_t{1}}) {
    RequestParser parser(limits);
    std::deque<HttpRequest> out;
    for (size_t at = 0; at < small.size() && !parser.stopped(); at += piece) {
      parser.feed(std::string_view(small).substr(at, piece), out);
    }
    EXPECT_EQ(parser.status(), Status::kInvalid) << "pieces of " << piece;
  }
}

TEST(RequestParserTest, DeclaredBodyBeyondTheLimitIsRefusedBeforeItArrives) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  RequestParser parser(limits);
  std::deque<HttpRequest> out;
  EXPECT_EQ(parser.feed("POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n", out), Status::kBodyTooLarge);
  EXPECT_EQ(parser.error(), "request body larger than 10 bytes");
  parseAll("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", Status::kOk, limits);
}

TEST(RequestParserTest, ChunkedBodyBeyondTheLimitIsRefused) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  parseAll("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n",
           Status::kBodyTooLarge, limits);
}

TEST(RequestParserTest, CountsBegunMessagesForTimers) {
  RequestParser parser(HttpLimits{});
  std::deque<HttpRequest> out;
  EXPECT_FALSE(parser.midMessage());
  parser.feed("GET /a HTTP/1.1\r\n\r\nGET /b", out);
  EXPECT_TRUE(parser.midMessage());
  EXPECT_EQ(parser.messagesBegun(), 2u);
  parser.feed(" HTTP/1.1\r\n\r\n", out);
  EXPECT_FALSE(parser.midMessage());
  EXPECT_EQ(out.size(), 2u);
}

TEST(RequestParserTest, ExpectContinueIsReportedOnceWhileTheBodyIsAwaited) {
  RequestParser parser(HttpLimits{});
  std::deque<HttpRequest> out;
  parser.feed("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", out);
  EXPECT_TRUE(parser.takeExpectContinue());
  EXPECT_FALSE(parser.takeExpectContinue());
  parser.feed("{}", out);
  EXPECT_EQ(out.size(), 1u);
  // Body already there: nothing to wait for.
  parser.feed("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}", out);
  EXPECT_FALSE(parser.takeExpectContinue());
}

}  // namespace
}  // namespace vcproxy::admin
