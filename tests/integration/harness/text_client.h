#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace vcproxy::test {

// The outcome of one read. Compares equal to a string only when the read succeeded, so
// `EXPECT_EQ(client.readLine(), "STORED")` fails with the error (timeout, close...) in the message.
struct ReadResult {
  std::string data;   // what was read; on error, what was buffered so far
  std::string error;  // empty on success

  bool ok() const { return error.empty(); }
};

// Control bytes made visible ("\r\n" -> "\\r\\n"), for failure messages.
std::string visibleBytes(std::string_view bytes, size_t limit = 2048);

bool operator==(const ReadResult& result, std::string_view expected);
void PrintTo(const ReadResult& result, std::ostream* os);

// A blocking TCP client for text protocols. Every read has a deadline and returns an error instead
// of hanging, so a proxy that swallows a reply fails the test rather than stalling the suite.
class TextClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  // Connects to 127.0.0.1:port; throws std::runtime_error if it cannot.
  explicit TextClient(uint16_t port, std::chrono::milliseconds timeout = kDefaultTimeout);
  ~TextClient();
  TextClient(const TextClient&) = delete;
  TextClient& operator=(const TextClient&) = delete;

  void setTimeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  testing::AssertionResult send(std::string_view bytes);

  ReadResult readLine();                             // up to "\r\n", which is not returned
  ReadResult readExactly(size_t n);                  // n bytes
  ReadResult readUntil(std::string_view delimiter);  // up to and including `delimiter`

  // Succeeds when the peer closes (EOF or reset) before the timeout with no further bytes.
  testing::AssertionResult expectClosed();

  void close();

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  // One recv into buffer_; empty on success, else why not (timeout, close, errno text).
  std::string fill(Deadline deadline);
  ReadResult take(size_t n, std::string_view drop_suffix);
  ReadResult failure(std::string what) const;

  int fd_ = -1;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::string buffer_;  // received, not yet consumed
  bool peer_closed_ = false;  // EOF or reset seen
};

}  // namespace vcproxy::test
