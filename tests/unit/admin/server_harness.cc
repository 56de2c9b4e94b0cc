#include "tests/unit/admin/server_harness.h"

#include <csignal>
#include <chrono>

namespace vcproxy::admin::testing {

AdminServer::Options ServerHarness::testOptions() {
  AdminServer::Options options;
  options.host = "127.0.0.1";
  options.port = 0;
  return options;
}

ServerHarness::ServerHarness(AdminServer::Options options, const std::function<void(FakeService&)>& setup) {
  std::signal(SIGPIPE, SIG_IGN);  // as the real binary: a vanished client is an error code, not a signal
  uv_loop_init(&loop_);
  fake_ = std::make_unique<FakeService>(&loop_);
  if (setup) setup(*fake_);
  server_ = std::make_unique<AdminServer>(&loop_, *fake_, std::move(options));
  started_ = server_->start(start_error_);
  port_ = server_->port();
  uv_async_init(&loop_, &async_, &ServerHarness::onAsync);
  async_.data = this;
  running_ = true;
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

ServerHarness::~ServerHarness() { shutdown(); }

void ServerHarness::shutdown() {
  if (!running_) return;
  runOnLoop([this] {
    fake_->closeAll();
    server_->stop();
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  });
  thread_.join();
  running_ = false;
  server_.reset();
  fake_.reset();
  uv_run(&loop_, UV_RUN_NOWAIT);
  loop_close_result_ = uv_loop_close(&loop_);
}

void ServerHarness::onAsync(uv_async_t* async) {
  auto* self = static_cast<ServerHarness*>(async->data);
  std::unique_lock lock(self->mutex_);
  while (!self->tasks_.empty()) {
    std::function<void()> task = std::move(self->tasks_.front());
    self->tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void ServerHarness::runOnLoop(const std::function<void()>& fn) {
  bool done = false;
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back([&] {
      fn();
      std::lock_guard inner(mutex_);
      done = true;
      cv_.notify_all();
    });
  }
  uv_async_send(&async_);
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return done; });
}

bool ServerHarness::waitUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    bool met = false;
    runOnLoop([&] { met = condition(); });
    if (met) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace vcproxy::admin::testing
