// Runs an AdminServer with a FakeService on its own loop in a background thread, as the real
// admin loop would, so tests talk to it over real sockets.
#pragma once

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin/admin_server.h"
#include "tests/unit/admin/fake_service.h"

namespace vcproxy::admin::testing {

class ServerHarness {
 public:
  // `setup` runs on the fake before the server starts. The server listens on 127.0.0.1 on a
  // free port unless `options` say otherwise; check started() / startError().
  explicit ServerHarness(AdminServer::Options options = testOptions(),
                         const std::function<void(FakeService&)>& setup = {});
  // Stops the server on its loop, joins the thread and closes the loop.
  ~ServerHarness();

  static AdminServer::Options testOptions();

  bool started() const { return started_; }
  const std::string& startError() const { return start_error_; }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Runs `fn` on the loop thread and waits for it: the only way to touch the fake or the
  // server while the loop runs.
  void runOnLoop(const std::function<void()>& fn);
  // Polls `condition` on the loop thread until true or about 5 s passed.
  bool waitUntil(const std::function<bool()>& condition);

  FakeService& fake() { return *fake_; }      // inside runOnLoop only
  AdminServer& server() { return *server_; }  // inside runOnLoop only
  // uv_loop_close's result after shutdown: UV_EBUSY means a handle was leaked.
  int loopCloseResult() const { return loop_close_result_; }
  void shutdown();

 private:
  static void onAsync(uv_async_t* async);

  uv_loop_t loop_{};
  uv_async_t async_{};
  std::unique_ptr<FakeService> fake_;
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool started_ = false;
  bool running_ = false;
  std::string start_error_;
  uint16_t port_ = 0;
  int loop_close_result_ = 0;
};

}  // namespace vcproxy::admin::testing
