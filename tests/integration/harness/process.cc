#include "tests/integration/harness/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vcproxy::test {
namespace {

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void execChild(char* const* argv, int output_fd, int error_pipe, pid_t parent) {
  // Die with the test process: a crashed test must not leave servers bound to ports.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  if (output_fd >= 0) {
    dup2(output_fd, STDOUT_FILENO);
    dup2(output_fd, STDERR_FILENO);
  }
  execvp(argv[0], argv);
  int err = errno;
  (void)!write(error_pipe, &err, sizeof err);
  _exit(127);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exited with code " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

TempFile::TempFile(std::string_view name, std::string_view contents) {
  const char* dir = std::getenv("TMPDIR");
  std::string suffix = "-" + std::string(name);
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/vcproxy-it-XXXXXX" + suffix;
  int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error(errnoText("mkstemps"));
  path_ = pattern;
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      throw std::runtime_error(errnoText("write temp file"));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
}

TempFile::~TempFile() { unlink(path_.c_str()); }

std::string TempFile::read() const { return readFile(path_); }

Process::Process(std::vector<std::string> argv, std::string output_path)
    : argv_(std::move(argv)), output_path_(std::move(output_path)) {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");
  // Everything the child needs is prepared before fork: no allocation after it.
  std::vector<char*> cargv;
  for (auto& arg : argv_) cargv.push_back(arg.data());
  cargv.push_back(nullptr);

  int output_fd = -1;
  if (!output_path_.empty()) {
    output_fd = open(output_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (output_fd < 0) throw std::runtime_error(errnoText(("open " + output_path_).c_str()));
  }
  // Exec failure is reported through a close-on-exec pipe: EOF means exec succeeded.
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    if (output_fd >= 0) close(output_fd);
    throw std::runtime_error(errnoText("pipe2"));
  }
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) execChild(cargv.data(), output_fd, error_pipe[1], parent);
  int fork_errno = errno;
  close(error_pipe[1]);
  if (output_fd >= 0) close(output_fd);
  if (pid_ < 0) {
    close(error_pipe[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n > 0) {
    reap(true);
    throw std::runtime_error("cannot exec " + argv_[0] + ": " + std::strerror(child_errno));
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) stop(std::chrono::seconds(2));
}

std::string Process::commandLine() const {
  std::string line;
  for (const auto& arg : argv_) {
    if (!line.empty()) line += ' ';
    line += arg.empty() ? "\"\"" : arg;
  }
  return line;
}

bool Process::reap(bool block) {
  if (status_) return true;
  int raw = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &raw, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  record(raw);
  return true;
}

void Process::record(int raw) {
  ExitStatus st;
  if (WIFEXITED(raw)) {
    st.exited = true;
    st.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    st.signal = WTERMSIG(raw);
  }
  status_ = st;
}

bool Process::running() { return pid_ > 0 && !reap(false); }

bool Process::kill(int sig) { return running() && ::kill(pid_, sig) == 0; }
// SIGSTOP stops a multi-threaded process only once its threads next run: until then a thread
// can still answer a request sent right after kill() (seen with memcached on a loaded machine).
// So wait until the whole process has stopped.
bool Process::pause() {
  if (!kill(SIGSTOP)) return false;
  int raw = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &raw, WUNTRACED);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  if (WIFSTOPPED(raw)) return true;
  record(raw);  // it ended instead
  return false;
}
bool Process::resume() { return kill(SIGCONT); }

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
  // No pidfd here (old kernels in CI containers): poll waitpid with a short backoff.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause_for = std::chrono::milliseconds(1);
  while (!reap(false)) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause_for, deadline - now));
    pause_for = std::min(pause_for * 2, std::chrono::milliseconds(20));
  }
  return status_;
}

ExitStatus Process::stop(std::chrono::milliseconds grace, int sig) {
  if (running()) {
    ::kill(pid_, sig);
    ::kill(pid_, SIGCONT);  // a paused child cannot act on SIGTERM
    if (!wait(grace)) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
  }
  return status_.value_or(ExitStatus{});
}

std::string Process::output() const { return output_path_.empty() ? std::string() : readFile(output_path_); }

}  // namespace vcproxy::test
