// Where to listen or connect: TCP host:port or a unix socket path.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace vcproxy::net {

struct Address {
  bool is_unix = false;
  std::string host;
  uint16_t port = 0;
  std::string path;
  std::string text;  // as configured, for messages
};

// Resolves a TCP address (numeric or a host name, looked up once) into `out`.
bool resolve(const Address& address, sockaddr_storage& out, std::string& error);

// A listening socket. TCP sockets get SO_REUSEPORT so that every worker has its own socket and
// the kernel spreads connections between them. Returns -1 and sets `error` on failure.
int openListenSocket(const Address& address, std::string& error);

}  // namespace vcproxy::net
