#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vcproxy::test {

class Process;

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
uint16_t freePort();

// A connected, blocking TCP socket to 127.0.0.1:port, or -1 with `error` set.
int connectLoopback(uint16_t port, std::string* error);

// Waits until 127.0.0.1:port accepts a connection. Gives up early if `owner` exits (a server that
// failed to bind must not be mistaken for another process listening on the port).
// Returns an empty string on success, otherwise what went wrong.
std::string waitUntilAccepting(uint16_t port, Process& owner, std::chrono::milliseconds timeout);

}  // namespace vcproxy::test
