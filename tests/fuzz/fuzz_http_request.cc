// libFuzzer target: the admin port's HTTP request parser (llhttp underneath) fed a connection's
// bytes whole, one byte at a time and in pieces drawn from the input, each piece an exactly sized
// copy. Every way must give the same requests and the same outcome; the limits on header and
// body bytes hold for every request; after a request that closes the connection nothing more is
// parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "admin/http_request.h"
#include "fuzz_check.h"

namespace vcproxy::fuzz {
namespace {

using admin::HttpLimits;
using admin::HttpRequest;
using admin::RequestParser;

struct Outcome {
  std::deque<HttpRequest> requests;
  RequestParser::Status status = RequestParser::Status::kOk;
  std::string error;
  bool stopped = false;
  bool mid_message = false;
  uint64_t begun = 0;
};

bool sameRequest(const HttpRequest& a, const HttpRequest& b) {
  return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
         a.headers == b.headers && a.body == b.body && a.keep_alive == b.keep_alive && a.http10 == b.http10;
}

bool sameOutcome(const Outcome& a, const Outcome& b) {
  if (a.requests.size() != b.requests.size()) return false;
  for (size_t i = 0; i < a.requests.size(); ++i) {
    if (!sameRequest(a.requests[i], b.requests[i])) return false;
  }
  // One answer however the bytes are split (an oversized head that is also malformed is 431
  // both ways: corpus/http_request/header_limit_checked_only_when_split).
  const bool same_status = a.status == b.status && a.error == b.error;
  return same_status && a.stopped == b.stopped && a.mid_message == b.mid_message && a.begun == b.begun;
}

void checkRequest(const HttpLimits& limits, const HttpRequest& request) {
  require(!request.method.empty(), "a request has a method");
  size_t header_bytes = request.target.size();
  for (const auto& [name, value] : request.headers) {
    header_bytes += name.size() + value.size();
    for (const char c : name) require(c < 'A' || c > 'Z', "header names are lower-cased");
    require(value.empty() || (value.back() != ' ' && value.back() != '\t'), "values lose trailing whitespace");
  }
  require(header_bytes <= limits.max_header_bytes, "header bytes stay within the limit");
  require(request.body.size() <= limits.max_body_bytes, "the body stays within the limit");
  const size_t query_at = request.target.find('?');
  require(request.path == request.target.substr(0, query_at), "the path is the target before '?'");
  require(query_at == std::string::npos ? request.query.empty() : request.query == request.target.substr(query_at + 1),
          "the query is the target after '?'");
}

Outcome parseInPieces(const HttpLimits& limits, std::string_view input, const std::vector<size_t>& pieces) {
  RequestParser parser(limits);
  Outcome outcome;
  size_t offset = 0;
  for (const size_t piece : pieces) {
    const std::vector<char> bytes(input.begin() + static_cast<std::ptrdiff_t>(offset),
                                  input.begin() + static_cast<std::ptrdiff_t>(offset + piece));
    offset += piece;
    const auto status = parser.feed(std::string_view(bytes.data(), bytes.size()), outcome.requests);
    require(status == parser.status(), "feed returns the parser's status");
    (void)parser.takeExpectContinue();
  }
  outcome.status = parser.status();
  outcome.error = parser.error();
  outcome.stopped = parser.stopped();
  outcome.mid_message = parser.midMessage();
  outcome.begun = parser.messagesBegun();

  require((outcome.status == RequestParser::Status::kOk) == outcome.error.empty(), "an error, and only then, has a reason");
  require(outcome.status == RequestParser::Status::kOk || outcome.stopped, "an error stops the parser");
  require(outcome.requests.size() <= outcome.begun, "every request was begun");
  for (size_t i = 0; i < outcome.requests.size(); ++i) {
    checkRequest(limits, outcome.requests[i]);
    const bool last = i + 1 == outcome.requests.size();
    require(last || outcome.requests[i].keep_alive, "nothing is parsed after a request that closes");
  }
  if (!outcome.requests.empty() && !outcome.requests.back().keep_alive) {
    require(outcome.stopped, "a request that closes stops the parser");
  }
  return outcome;
}

void parseEveryWay(const HttpLimits& limits, std::string_view input) {
  const Outcome whole = parseInPieces(limits, input, wholePiece(input));
  require(sameOutcome(parseInPieces(limits, input, randomPieces(input, 16)), whole), "random pieces parse as the whole");
  require(sameOutcome(parseInPieces(limits, input, bytePieces(input)), whole), "bytes one at a time parse as the whole");
}

}  // namespace
}  // namespace vcproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Small limits make 431 and 413 reachable; then the defaults.
  vcproxy::fuzz::parseEveryWay({.max_header_bytes = 96, .max_body_bytes = 24}, input);
  vcproxy::fuzz::parseEveryWay({}, input);
  return 0;
}
