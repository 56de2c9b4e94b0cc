#include "admin/admin_client.h"

#include <llhttp.h>
#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace vcproxy::admin {
namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  bool is_unix = false;
  std::string host;  // without brackets
  std::string port = "80";
  std::string path;  // unix socket
  std::string text;  // for messages: "127.0.0.1:9100" or "unix:/path"
};

bool parseUrl(std::string url, Target& target, std::string& error) {
  const std::string original = url;
  auto invalid = [&](const std::string& why) {
    error = "invalid admin URL \"" + original + "\": " + why;
    return false;
  };
  if (url.rfind("unix:", 0) == 0) {
    target.is_unix = true;
    target.path = url.substr(5);
    target.text = url;
    return target.path.empty() ? invalid("empty unix socket path") : true;
  }
  if (url.rfind("http://", 0) == 0) {
    url.erase(0, 7);
  } else if (url.find("://") != std::string::npos) {
    return invalid("only http:// and unix: are supported");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  target.text = url;
  std::string rest;
  if (!url.empty() && url.front() == '[') {  // [v6]:port
    const size_t close = url.find(']');
    if (close == std::string::npos) return invalid("missing ']'");
    target.host = url.substr(1, close - 1);
    rest = url.substr(close + 1);
  } else {
    const size_t colon = url.find(':');
    target.host = url.substr(0, colon);
    if (colon != std::string::npos) rest = url.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return invalid("expected \":port\" after the host");
    target.port = rest.substr(1);
  }
  if (target.host.empty() || url.find('/') != std::string::npos) return invalid("expected http://host:port");
  const bool digits = !target.port.empty() && target.port.size() <= 5 &&
                      target.port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(target.port) < 1 || std::stoi(target.port) > 65535) return invalid("bad port");
  return true;
}

int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on `fd`; false with errno ETIMEDOUT when the deadline passes.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int rc = poll(&p, 1, remainingMs(deadline));
    if (rc > 0) return true;
    if (rc == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

// A connected non-blocking socket, or -1 with errno set.
int connectTo(const sockaddr* addr, socklen_t length, Clock::time_point deadline) {
  const int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (connect(fd, addr, length) == 0) return fd;
  if (errno == EINPROGRESS && waitFor(fd, POLLOUT, deadline)) {
    int so_error = 0;
    socklen_t so_length = sizeof so_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length);
    if (so_error == 0) return fd;
    errno = so_error;
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

int openConnection(const Target& target, Clock::time_point deadline, std::string& error) {
  int fd = -1;
  if (target.is_unix) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (target.path.size() >= sizeof addr.sun_path) {
      error = "cannot connect to " + target.text + ": unix socket path too long";
      return -1;
    }
    std::memcpy(addr.sun_path, target.path.c_str(), target.path.size() + 1);
    fd = connectTo(reinterpret_cast<sockaddr*>(&addr), sizeof addr, deadline);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found);
    if (rc != 0) {
      error = "cannot connect to " + target.text + ": " + gai_strerror(rc);
      return -1;
    }
    for (addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next) fd = connectTo(ai->ai_addr, ai->ai_addrlen, deadline);
    freeaddrinfo(found);
  }
  if (fd < 0) error = "cannot connect to " + target.text + ": " + std::strerror(errno);
  return fd;
}

std::string composeRequest(const Target& target, const std::string& method, const std::string& path,
                           const std::string& body, const std::string& token) {
  std::string out = method + " " + (path.empty() ? "/" : path) + " HTTP/1.1\r\n";
  out += "Host: " + (target.is_unix ? std::string("localhost") : target.text) + "\r\n";
  out += "User-Agent: vcproxy-cli\r\nAccept: application/json\r\nConnection: close\r\n";
  if (!token.empty()) out += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) out += "Content-Type: application/json\r\n";
  if (!body.empty() || (method != "GET" && method != "HEAD")) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "\r\n" + body;
  return out;
}

bool sendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// Parses the answer with llhttp as it arrives.
class ResponseReader {
 public:
  ResponseReader(HttpResult& result, bool head) : result_(result), head_(head) {
    llhttp_settings_init(&settings_);
    settings_.on_headers_complete = [](llhttp_t* p) {
      // The answer to HEAD announces a length but carries no body.
      return static_cast<ResponseReader*>(p->data)->head_ && llhttp_get_status_code(p) / 100 != 1 ? 1 : 0;
    };
    settings_.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
      auto* self = static_cast<ResponseReader*>(p->data);
      if (self->in_value_) self->field_.clear();
      self->in_value_ = false;
      self->field_.append(at, n);
      return 0;
    };
    settings_.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
      auto* self = static_cast<ResponseReader*>(p->data);
      self->in_value_ = true;
      if (strcasecmp(self->field_.c_str(), "content-type") == 0) self->result_.content_type.append(at, n);
      return 0;
    };
    settings_.on_body = [](llhttp_t* p, const char* at, size_t n) {
      static_cast<ResponseReader*>(p->data)->result_.body.append(at, n);
      return 0;
    };
    settings_.on_message_complete = [](llhttp_t* p) {
      auto* self = static_cast<ResponseReader*>(p->data);
      // "100 Continue" is not the answer; the real one follows.
      if (llhttp_get_status_code(p) / 100 == 1) return 0;
      self->complete_ = true;
      return static_cast<int>(HPE_PAUSED);
    };
    llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
    parser_.data = this;
  }

  // False when the bytes are not HTTP.
  bool feed(const char* data, size_t n) {
    const llhttp_errno_t rc = llhttp_execute(&parser_, data, n);
    if (complete_) result_.status = llhttp_get_status_code(&parser_);
    return rc == HPE_OK || rc == HPE_PAUSED;
  }
  bool finish() {
    if (!complete_ && llhttp_finish(&parser_) == HPE_OK && complete_) result_.status = llhttp_get_status_code(&parser_);
    return complete_;
  }
  bool complete() const { return complete_; }

 private:
  HttpResult& result_;
  bool head_;
  llhttp_settings_t settings_{};
  llhttp_t parser_{};
  std::string field_;
  bool in_value_ = false;
  bool complete_ = false;
};

// Reads until the answer is complete; sets result.error otherwise.
void readAnswer(int fd, const Target& target, bool head, Clock::time_point deadline, int timeout_ms,
                HttpResult& result) {
  ResponseReader reader(result, head);
  char buffer[16 * 1024];
  while (!reader.complete()) {
    if (!waitFor(fd, POLLIN, deadline)) {
      result.error = "no complete answer from " + target.text + " within " + std::to_string(timeout_ms) + " ms";
      return;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) {
      result.error = "reading from " + target.text + ": " + std::strerror(errno);
      return;
    }
    if (n == 0) {
      if (!reader.finish()) result.error = target.text + " closed the connection before the answer was complete";
      return;
    }
    if (!reader.feed(buffer, static_cast<size_t>(n))) {
      result.error = target.text + " did not answer in HTTP";
      return;
    }
  }
}

}  // namespace

HttpResult request(const std::string& url, const std::string& method, const std::string& path,
                   const std::string& body, const std::string& token, int timeout_ms) {
  HttpResult result;
  Target target;
  if (!parseUrl(url, target, result.error)) return result;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 0);
  const int fd = openConnection(target, deadline, result.error);
  if (fd < 0) return result;
  const bool sent = sendAll(fd, composeRequest(target, method, path, body, token), deadline);
  const std::string send_error = sent ? "" : "sending to " + target.text + ": " + std::strerror(errno);
  // Even when sending failed the server may have answered (413 for a large body, then close).
  readAnswer(fd, target, method == "HEAD", deadline, timeout_ms, result);
  if (!sent && !result.ok()) result.error = send_error;
  ::close(fd);
  if (!result.ok()) result.status = 0;
  return result;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace vcproxy::admin
