#include "admin/http_request.h"

#include <algorithm>
#include <cctype>

namespace vcproxy::admin {
namespace {

RequestParser* self(llhttp_t* p) { return static_cast<RequestParser*>(p->data); }

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const std::string* HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

RequestParser::RequestParser(const HttpLimits& limits) : limits_(limits) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::onMessageBegin;
  settings_.on_method = &RequestParser::onMethod;
  settings_.on_url = &RequestParser::onUrl;
  settings_.on_header_field = &RequestParser::onHeaderField;
  settings_.on_header_value = &RequestParser::onHeaderValue;
  settings_.on_header_value_complete = &RequestParser::onHeaderValueComplete;
  settings_.on_headers_complete = &RequestParser::onHeadersComplete;
  settings_.on_body = &RequestParser::onBody;
  settings_.on_message_complete = &RequestParser::onMessageComplete;
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

RequestParser::Status RequestParser::feed(std::string_view data, std::deque<HttpRequest>& out) {
  if (stopped_ || data.empty()) return status_;
  out_ = &out;
  chunk_ = data.data();
  const llhttp_errno_t rc = llhttp_execute(&parser_, data.data(), data.size());
  out_ = nullptr;
  if (rc == HPE_OK) {
    fed_ += data.size();
    return status_;
  }
  stopped_ = true;
  if (rc == HPE_PAUSED || rc == HPE_PAUSED_UPGRADE) {
    // Paused after the connection's last request (Connection: close, or an upgrade we do not
    // speak): that request is answered and the connection closes.
    if (!out.empty()) out.back().keep_alive = false;
    return status_;
  }
  if (status_ == Status::kOk) classifyParseError(rc);
  return status_;
}

// A head already past the limit when llhttp found it malformed is answered 431, as it is when
// the same bytes arrive in pieces (then the partial field is counted before the bad byte is
// seen): one answer whatever the split.
void RequestParser::classifyParseError(llhttp_errno_t rc) {
  const char* at = llhttp_get_error_pos(&parser_);
  const uint64_t at_offset = at != nullptr && at >= chunk_ ? fed_ + static_cast<uint64_t>(at - chunk_) : 0;
  if (in_head_ && head_started_ && at_offset >= head_start_) {
    if (at_offset - head_start_ > limits_.max_header_bytes) {
      status_ = Status::kHeadersTooLarge;
      error_ = "request headers larger than " + std::to_string(limits_.max_header_bytes) + " bytes";
      return;
    }
  }
  status_ = Status::kInvalid;
  const char* reason = llhttp_get_error_reason(&parser_);
  error_ = std::string("malformed HTTP request: ") + (reason && *reason ? reason : llhttp_errno_name(rc));
}

bool RequestParser::takeExpectContinue() {
  const bool expect = expect_continue_ && midMessage();
  expect_continue_ = false;
  return expect;
}

int RequestParser::fail(Status status, std::string reason) {
  status_ = status;
  error_ = std::move(reason);
  llhttp_set_error_reason(&parser_, error_.c_str());  // llhttp keeps the pointer: error_ outlives it
  return HPE_USER;
}

int RequestParser::countHeaderBytes(size_t length) {
  header_bytes_ += length;
  if (header_bytes_ > limits_.max_header_bytes) {
    return fail(Status::kHeadersTooLarge,
                "request headers larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return HPE_OK;
}

std::string RequestParser::bodyTooLarge() const {
  return "request body larger than " + std::to_string(limits_.max_body_bytes) + " bytes";
}

int RequestParser::onMessageBegin(llhttp_t* p) {
  RequestParser* s = self(p);
  s->current_ = HttpRequest{};
  s->field_.clear();
  s->value_.clear();
  s->value_started_ = false;
  s->header_bytes_ = 0;
  s->head_started_ = false;
  s->in_head_ = true;
  s->in_message_ = true;
  s->expect_continue_ = false;
  ++s->messages_begun_;
  return HPE_OK;
}

int RequestParser::onMethod(llhttp_t* p, const char* at, size_t) {
  RequestParser* s = self(p);
  if (!s->head_started_) s->head_start_ = s->fed_ + static_cast<uint64_t>(at - s->chunk_);
  s->head_started_ = true;
  return HPE_OK;
}

int RequestParser::onUrl(llhttp_t* p, const char* at, size_t length) {
  RequestParser* s = self(p);
  if (const int rc = s->countHeaderBytes(length)) return rc;
  s->current_.target.append(at, length);
  return HPE_OK;
}

// Trailers (fields after a chunked body) are skipped, neither kept nor counted: no endpoint reads
// them, and counting them made the answer to a malformed one depend on how the bytes were split.
int RequestParser::onHeaderField(llhttp_t* p, const char* at, size_t length) {
  RequestParser* s = self(p);
  if (!s->in_head_) return HPE_OK;
  if (const int rc = s->countHeaderBytes(length)) return rc;
  s->field_.append(at, length);
  return HPE_OK;
}

int RequestParser::onHeaderValue(llhttp_t* p, const char* at, size_t length) {
  RequestParser* s = self(p);
  if (!s->in_head_) return HPE_OK;
  if (const int rc = s->countHeaderBytes(length)) return rc;
  s->value_.append(at, length);
  return HPE_OK;
}

int RequestParser::onHeaderValueComplete(llhttp_t* p) {
  RequestParser* s = self(p);
  if (!s->in_head_) return HPE_OK;
  // Trailing whitespace is not part of a field value (RFC 9110 §5.5); llhttp keeps it.
  while (!s->value_.empty() && (s->value_.back() == ' ' || s->value_.back() == '\t')) s->value_.pop_back();
  s->current_.headers.emplace_back(lowerCase(std::move(s->field_)), std::move(s->value_));
  s->field_.clear();
  s->value_.clear();
  return HPE_OK;
}

int RequestParser::onHeadersComplete(llhttp_t* p) {
  RequestParser* s = self(p);
  s->in_head_ = false;
  HttpRequest& request = s->current_;
  request.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(p)));
  request.http10 = llhttp_get_http_major(p) == 1 && llhttp_get_http_minor(p) == 0;
  request.keep_alive = llhttp_should_keep_alive(p) != 0;
  const size_t query_at = request.target.find('?');
  request.path = request.target.substr(0, query_at);
  if (query_at != std::string::npos) request.query = request.target.substr(query_at + 1);
  // A declared length beyond the limit is refused before the client sends a byte of the body.
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > s->limits_.max_body_bytes) {
    return s->fail(Status::kBodyTooLarge, s->bodyTooLarge());
  }
  const std::string* expect = request.header("expect");
  s->expect_continue_ = expect && equalsIgnoreCase(*expect, "100-continue");
  return HPE_OK;
}

int RequestParser::onBody(llhttp_t* p, const char* at, size_t length) {
  RequestParser* s = self(p);
  if (s->current_.body.size() + length > s->limits_.max_body_bytes) {
    return s->fail(Status::kBodyTooLarge, s->bodyTooLarge());
  }
  s->current_.body.append(at, length);
  return HPE_OK;
}

int RequestParser::onMessageComplete(llhttp_t* p) {
  RequestParser* s = self(p);
  s->in_message_ = false;
  s->expect_continue_ = false;
  const bool last = !s->current_.keep_alive;
  s->out_->push_back(std::move(s->current_));
  s->current_ = HttpRequest{};
  // Pausing stops llhttp at the end of the connection's last request; bytes after it are ignored.
  return last ? HPE_PAUSED : HPE_OK;
}

}  // namespace vcproxy::admin
