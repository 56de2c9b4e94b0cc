// One HTTP/1.x request as the admin handlers see it, and the llhttp-based parser that turns a
// connection's bytes into such requests (parse → process → compose: the parser never knows the
// event loop, so it is tested by feeding bytes one at a time).
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vcproxy::admin {

struct HttpRequest {
  std::string method;  // "GET", "POST"... as llhttp names it
  std::string target;  // as sent: path and query, still percent-encoded
  std::string path;    // target before '?'
  std::string query;   // target after '?' (without it)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;    // decoded when chunked
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
  bool http10 = false;

  // First value of a header, `lower_name` in lower case; nullptr when absent.
  const std::string* header(std::string_view lower_name) const;
};

// Bounds on one request and on one connection (AdminServer::Options::limits).
struct HttpLimits {
  size_t max_header_bytes = 8 * 1024;    // request line + header names and values; 431 beyond
  size_t max_body_bytes = 64 * 1024;     // 413 beyond
  uint64_t request_timeout_ms = 5000;    // first byte to last byte of a request; 408 beyond; 0 = none
  uint64_t idle_timeout_ms = 60000;      // keep-alive connection with nothing to do; 0 = none
  size_t max_pipelined = 32;             // parsed requests waiting; reading pauses beyond
  size_t max_connections = 64;           // further clients get 503 and are closed
};

class RequestParser {
 public:
  enum class Status {
    kOk,                // everything fed was consumed; more may come
    kInvalid,           // malformed HTTP: answer 400 and close
    kHeadersTooLarge,   // 431 and close
    kBodyTooLarge,      // 413 and close
  };

  explicit RequestParser(const HttpLimits& limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `data`, appending every completed request to `out`. After an error, or after a
  // request that does not keep the connection alive, further bytes are ignored.
  Status feed(std::string_view data, std::deque<HttpRequest>& out);

  Status status() const { return status_; }
  const std::string& error() const { return error_; }
  // No more requests will come from this connection (error, close or upgrade).
  bool stopped() const { return stopped_; }
  // Part of a request has arrived but not all of it.
  bool midMessage() const { return in_message_ && !stopped_; }
  // Counts requests begun, so that a caller can tell a new partial request from the old one.
  uint64_t messagesBegun() const { return messages_begun_; }
  // True once when the current partial request sent "Expect: 100-continue" and waits for it.
  bool takeExpectContinue();

 private:
  static int onMessageBegin(llhttp_t* p);
  static int onMethod(llhttp_t* p, const char* at, size_t length);
  static int onUrl(llhttp_t* p, const char* at, size_t length);
  static int onHeaderField(llhttp_t* p, const char* at, size_t length);
  static int onHeaderValue(llhttp_t* p, const char* at, size_t length);
  static int onHeaderValueComplete(llhttp_t* p);
  static int onHeadersComplete(llhttp_t* p);
  static int onBody(llhttp_t* p, const char* at, size_t length);
  static int onMessageComplete(llhttp_t* p);

  int countHeaderBytes(size_t length);
  void classifyParseError(llhttp_errno_t rc);
  int fail(Status status, std::string reason);
  std::string bodyTooLarge() const;

  HttpLimits limits_;
  llhttp_settings_t settings_{};
  llhttp_t parser_{};
  HttpRequest current_;
  std::string field_;
  std::string value_;
  bool value_started_ = false;
  size_t header_bytes_ = 0;
  // Where the current request's head began in the byte stream, to size a head llhttp rejects
  // mid-field (it never reports that partial field, so the count above cannot see it).
  uint64_t fed_ = 0;                // stream offset of the chunk being parsed
  const char* chunk_ = nullptr;     // that chunk
  uint64_t head_start_ = 0;         // stream offset of the request's first byte
  bool head_started_ = false;       // its method has begun
  bool in_head_ = false;            // between the first byte and the end of the headers
  std::deque<HttpRequest>* out_ = nullptr;
  Status status_ = Status::kOk;
  std::string error_;
  bool in_message_ = false;
  bool stopped_ = false;
  bool expect_continue_ = false;
  uint64_t messages_begun_ = 0;
};

}  // namespace vcproxy::admin
