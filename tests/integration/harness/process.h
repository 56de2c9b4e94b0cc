#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::test {

// How a child process ended.
struct ExitStatus {
  bool exited = false;  // true: normal exit, `code` is valid; false: killed by `signal`
  int code = 0;
  int signal = 0;

  bool ok() const { return exited && code == 0; }
  std::string describe() const;
};

// A file under $TMPDIR (or /tmp) that is removed when this object goes away.
class TempFile {
 public:
  explicit TempFile(std::string_view stem, std::string_view contents = {});
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  std::string read() const;

 private:
  std::string path_;
};

// A child process started with fork/exec. The destructor always terminates and reaps it, so a failing
// test never leaves servers behind; the child also gets SIGKILL if the test process dies.
class Process {
 public:
  // Runs argv[0] (searched in PATH). With a non-empty `output_path`, stdout and stderr are appended to
  // that file; otherwise they are inherited. Throws std::runtime_error if the program cannot be started.
  explicit Process(std::vector<std::string> argv, std::string output_path = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return argv_; }
  std::string commandLine() const;

  // False once the child has exited (it is reaped then; see status()).
  bool running();
  std::optional<ExitStatus> status() const { return status_; }

  bool kill(int sig);
  bool pause();   // SIGSTOP, and waits until every thread has stopped
  bool resume();  // SIGCONT

  // Waits until the child exits; nullopt if it is still running after `timeout`.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);

  // Sends `sig` (SIGTERM by default), waits up to `grace`, then SIGKILL. Returns how it ended.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(5), int sig = SIGTERM);

  // What the child wrote so far (only with an output_path).
  std::string output() const;

 private:
  bool reap(bool block);
  void record(int raw_status);  // sets status_ from waitpid's status of an ended child

  std::vector<std::string> argv_;
  std::string output_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

}  // namespace vcproxy::test
