#include "proxy/net/address.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vcproxy::net {

bool resolve(const Address& address, sockaddr_storage& out, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const std::string port = std::to_string(address.port);
  const int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    error = address.text + ": cannot resolve host: " + gai_strerror(rc);
    return false;
  }
  std::memcpy(&out, result->ai_addr, result->ai_addrlen);
  freeaddrinfo(result);
  return true;
}

namespace {

int fail(int fd, const Address& address, const char* what, std::string& error) {
  error = address.text + ": " + what + ": " + std::strerror(errno);
  if (fd >= 0) close(fd);
  return -1;
}

int openUnix(const Address& address, std::string& error) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (address.path.size() >= sizeof(sun.sun_path)) {
    error = address.text + ": unix socket path too long";
    return -1;
  }
  std::memcpy(sun.sun_path, address.path.c_str(), address.path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(fd, address, "socket", error);
  unlink(address.path.c_str());  // a stale socket file from an earlier run
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) return fail(fd, address, "bind", error);
  if (listen(fd, 1024) != 0) return fail(fd, address, "listen", error);
  return fd;
}

}  // namespace

int openListenSocket(const Address& address, std::string& error) {
  if (address.is_unix) return openUnix(address, error);
  sockaddr_storage addr{};
  if (!resolve(address, addr, error)) return -1;
  const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(fd, address, "socket", error);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return fail(fd, address, "SO_REUSEPORT", error);
  }
  const socklen_t len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) return fail(fd, address, "bind", error);
  if (listen(fd, 1024) != 0) return fail(fd, address, "listen", error);
  return fd;
}

}  // namespace vcproxy::net
