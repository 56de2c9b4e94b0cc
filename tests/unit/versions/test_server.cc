#include "tests/unit/versions/test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace vcproxy::versions::test {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int freeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t length = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::vector<std::string> TestServer::command() const {
  std::string port = std::to_string(port_);
  if (kind_ == ServerKind::kRedis) {
    return {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
            "no"};
  }
  std::vector<std::string> args{"memcached", "-l", "127.0.0.1", "-p", port, "-U", "0", "-t", "1"};
  if (getuid() == 0) {
    args.insert(args.end(), {"-u", "root"});  // memcached refuses to run as root otherwise
  }
  return args;
}

bool TestServer::start() {
  if (pid_ > 0) {
    return true;
  }
  if (port_ != 0) {
    return launch();  // a restart keeps its port
  }
  // A fresh port may be taken by someone else between our probe and the server's bind.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = freeLoopbackPort();
    if (launch()) {
      return true;
    }
  }
  return false;
}

bool TestServer::launch() {
  std::vector<std::string> args = command();
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (getppid() != parent) {
      _exit(127);
    }
    int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) {
    why_ = "fork failed";
    return false;
  }
  pid_ = pid;
  auto give_up = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < give_up) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      why_ = args[0] + " exited at start (status " + std::to_string(status) + ") on port " +
             std::to_string(port_);
      return false;
    }
    if (accepts(port_)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  why_ = args[0] + " did not accept connections within 5 s";
  stop();
  return false;
}

void TestServer::stop() {
  if (pid_ <= 0) {
    return;
  }
  // memcached takes a second to honour SIGTERM and keeps nothing worth a clean exit.
  kill(pid_, kind_ == ServerKind::kRedis ? SIGTERM : SIGKILL);
  kill(pid_, SIGCONT);  // a paused server must wake up to die
  auto give_up = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < give_up) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

// kill() only queues SIGSTOP: each thread stops when it next goes through signal handling, and
// on a loaded machine memcached's worker thread was seen answering a request sent right after
// kill() (a "hung" fetch succeeding in 0 ms). waitpid(WUNTRACED) returns once the group stop is
// complete, i.e. every thread has stopped.
bool TestServer::pause() {
  if (pid_ <= 0 || kill(pid_, SIGSTOP) != 0) {
    return false;
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WUNTRACED);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ && WIFSTOPPED(status)) {
    return true;
  }
  if (r == pid_) {
    pid_ = -1;  // it ended instead (reaped)
    why_ = "server ended while being paused (status " + std::to_string(status) + ")";
  }
  return false;
}

void TestServer::resume() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);
  }
}

}  // namespace vcproxy::versions::test
