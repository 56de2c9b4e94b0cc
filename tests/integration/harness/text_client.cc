#include "tests/integration/harness/text_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "tests/integration/harness/ports.h"

namespace vcproxy::test {

std::string visibleBytes(std::string_view bytes, size_t limit) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else out += static_cast<char>(c);
  }
  if (bytes.size() > limit) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

namespace {

int remainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

bool operator==(const ReadResult& result, std::string_view expected) {
  return result.ok() && result.data == expected;
}

void PrintTo(const ReadResult& result, std::ostream* os) {
  if (result.ok()) {
    *os << '"' << visibleBytes(result.data) << '"';
  } else {
    *os << "<read error: " << result.error << "; buffered \"" << visibleBytes(result.data) << "\">";
  }
}

TextClient::TextClient(uint16_t port, std::chrono::milliseconds timeout) : port_(port), timeout_(timeout) {
  std::string error;
  fd_ = connectLoopback(port, &error);
  if (fd_ < 0) throw std::runtime_error(error);
}

TextClient::~TextClient() { close(); }

void TextClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

testing::AssertionResult TextClient::send(std::string_view bytes) {
  if (fd_ < 0) return testing::AssertionFailure() << "send on a closed client";
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!bytes.empty()) {
    pollfd pfd{fd_, POLLOUT, 0};
    int ready = poll(&pfd, 1, remainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return testing::AssertionFailure() << "send to port " << port_ << " timed out with " << bytes.size()
                                         << " bytes unsent (peer not reading?)";
    }
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return testing::AssertionFailure() << "send to port " << port_ << ": " << std::strerror(errno);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return testing::AssertionSuccess();
}

std::string TextClient::fill(Deadline deadline) {
  if (fd_ < 0) return "client is closed";
  for (;;) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, remainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return "timed out after " + std::to_string(timeout_.count()) + " ms";
    char chunk[16384];
    ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) peer_closed_ = n == 0 || errno == ECONNRESET;
    if (n < 0) return std::string("recv: ") + std::strerror(errno);
    if (n == 0) return "connection closed by peer";
    buffer_.append(chunk, static_cast<size_t>(n));
    return {};
  }
}

ReadResult TextClient::failure(std::string what) const { return ReadResult{buffer_, std::move(what)}; }

ReadResult TextClient::take(size_t n, std::string_view drop_suffix) {
  ReadResult result{buffer_.substr(0, n - drop_suffix.size()), {}};
  buffer_.erase(0, n);
  return result;
}

ReadResult TextClient::readLine() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  size_t scanned = 0;
  for (;;) {
    size_t end = buffer_.find("\r\n", scanned > 0 ? scanned - 1 : 0);
    if (end != std::string::npos) return take(end + 2, "\r\n");
    scanned = buffer_.size();
    if (std::string error = fill(deadline); !error.empty()) return failure("reading a line: " + error);
  }
}

ReadResult TextClient::readExactly(size_t n) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (buffer_.size() < n) {
    if (std::string error = fill(deadline); !error.empty()) {
      return failure("reading " + std::to_string(n) + " bytes: " + error);
    }
  }
  return take(n, {});
}

ReadResult TextClient::readUntil(std::string_view delimiter) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  size_t scanned = 0;
  for (;;) {
    size_t from = scanned >= delimiter.size() ? scanned - delimiter.size() + 1 : 0;
    size_t end = buffer_.find(delimiter, from);
    if (end != std::string::npos) return take(end + delimiter.size(), {});
    scanned = buffer_.size();
    if (std::string error = fill(deadline); !error.empty()) {
      return failure("reading until \"" + visibleBytes(delimiter) + "\": " + error);
    }
  }
}

testing::AssertionResult TextClient::expectClosed() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  if (!buffer_.empty()) {
    return testing::AssertionFailure() << "expected close, but unread bytes: \"" << visibleBytes(buffer_) << '"';
  }
  std::string error = fill(deadline);
  if (peer_closed_) return testing::AssertionSuccess();
  if (error.empty()) {
    return testing::AssertionFailure() << "expected close, but received \"" << visibleBytes(buffer_) << '"';
  }
  return testing::AssertionFailure() << "expected close: " << error;
}

}  // namespace vcproxy::test
