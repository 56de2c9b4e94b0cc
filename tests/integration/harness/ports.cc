#include "tests/integration/harness/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/integration/harness/process.h"

namespace vcproxy::test {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

uint16_t freePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

int connectLoopback(uint16_t port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr = loopback(port);
  int r;
  do {
    r = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    *error = "connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string waitUntilAccepting(uint16_t port, Process& owner, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause_for = std::chrono::milliseconds(1);
  std::string last_error;
  for (;;) {
    if (!owner.running()) return owner.argv()[0] + " " + owner.status()->describe() + " before accepting";
    int fd = connectLoopback(port, &last_error);
    if (fd >= 0) {
      close(fd);
      if (owner.running()) return {};
      continue;  // it died right after: report its exit status above
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return "127.0.0.1:" + std::to_string(port) + " not accepting after " + std::to_string(timeout.count()) +
             " ms (" + last_error + ")";
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause_for, deadline - now));
    pause_for = std::min(pause_for * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace vcproxy::test
