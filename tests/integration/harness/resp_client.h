// A minimal RESP2/RESP3 client for the Redis integration tests: commands go out as multibulk (or
// as raw bytes), replies come back parsed into a tree and as the exact bytes received, so a test
// can compare the framing (RESP3 `%` maps, `>` pushes...) byte for byte with Redis itself.
// Every read has a deadline (TextClient underneath): a reply the proxy swallows fails the test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {

// One RESP value. `type` is the type byte of the frame: '+' '-' ':' '$' '*' and, in RESP3,
// '%' (map) '~' (set) '>' (push) '_' (null) ',' (double) '#' (boolean) '(' (big number)
// '=' (verbatim) '!' (blob error) '|' (attribute: items holds it, `attributed` the value it annotates).
struct RespValue {
  char type = 0;
  bool null = false;               // "$-1" / "*-1" / "_"
  std::string text;                // strings, errors, integers, doubles, booleans, big numbers
  std::vector<RespValue> items;    // aggregates; a map as key, value, key, value...

  bool isError() const { return type == '-' || type == '!'; }
  bool isNil() const { return null; }
  // A compact, unambiguous rendering: "OK", "(error) ERR ...", "(integer) 3", "\"v\"", "(nil)",
  // "[\"a\", \"b\"]", "{\"f\": \"v\"}", "(push) [...]"...
  std::string describe() const;
  // The strings of a flat array/set (bulk or simple); empty when this is not one.
  std::vector<std::string> strings() const;
};

void PrintTo(const RespValue& value, std::ostream* os);

struct RespReply {
  RespValue value;
  std::string raw;    // the bytes of this reply as received
  std::string error;  // transport or framing failure; empty on success

  bool ok() const { return error.empty(); }
  std::string describe() const { return ok() ? value.describe() : "<no reply: " + error + ">"; }
};

void PrintTo(const RespReply& reply, std::ostream* os);

// `args` as a RESP multibulk command.
std::string respCommand(const std::vector<std::string>& args);


class RespClient {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error if it cannot.
  explicit RespClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  void setTimeout(std::chrono::milliseconds timeout) { text_.setTimeout(timeout); }

  // Sends one command and reads one reply.
  RespReply call(const std::vector<std::string>& args);
  testing::AssertionResult send(const std::vector<std::string>& args) { return text_.send(respCommand(args)); }
  testing::AssertionResult sendRaw(std::string_view bytes) { return text_.send(bytes); }
  // Reads one reply (an attribute frame is read together with the value it annotates).
  RespReply read();

  testing::AssertionResult expectClosed() { return text_.expectClosed(); }
  void close() { text_.close(); }

 private:
  bool readValue(RespValue& value, std::string& raw, std::string& error);

  TextClient text_;
};

// Every key in the Redis on `port` (SCAN to cursor 0, straight on the server). nullopt on failure.
std::optional<std::vector<std::string>> scanAllKeys(uint16_t port, const std::string& match = "*");

}  // namespace vcproxy::test
