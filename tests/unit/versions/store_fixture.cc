#include "tests/unit/versions/store_fixture.h"

#include <hiredis/hiredis.h>
#include <libmemcached/memcached.h>

namespace vcproxy::versions::test {

using Clock = std::chrono::steady_clock;

void StoreFixture::SetUp() {
  ASSERT_EQ(uv_loop_init(&loop_), 0);
  uv_timer_init(&loop_, &tick_);
}

void StoreFixture::TearDown() {
  for (Owned& owned : stores_) {
    if (!owned.closed) {
      EXPECT_TRUE(closeStore(owned.store.get())) << owned.store->describe();
    }
  }
  for (Owned& owned : stores_) {
    if (owned.closed) {
      owned.store.reset();
    } else {
      (void)owned.store.release();  // still holds handles: leak rather than free them live
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  for (int i = 0; i < 100 && uv_loop_alive(&loop_); ++i) {
    uv_run(&loop_, UV_RUN_NOWAIT);
  }
  // Every handle (ours, hiredis' poll handles) is gone, or this fails with UV_EBUSY.
  EXPECT_EQ(uv_loop_close(&loop_), 0) << "a store left a handle open";
  server_.reset();
}

int64_t StoreFixture::millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

bool StoreFixture::runUntil(const std::function<bool()>& done, int timeout_ms) {
  auto start = Clock::now();
  uv_timer_start(&tick_, [](uv_timer_t*) {}, 5, 5);
  while (!done() && millisSince(start) < timeout_ms) {
    uv_run(&loop_, UV_RUN_ONCE);
  }
  uv_timer_stop(&tick_);
  return done();
}

void StoreFixture::runFor(int ms) {
  runUntil([] { return false; }, ms);
}

TestServer& StoreFixture::startServer(ServerKind kind) {
  server_ = std::make_unique<TestServer>(kind);
  EXPECT_TRUE(server_->start()) << server_->why();
  return *server_;
}

VersionStore* StoreFixture::makeStore(ServerKind kind, int port, std::string name_space, int db) {
  StoreOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.db = db;
  options.name_space = std::move(name_space);
  options.timeout_ms = kTimeoutMs;
  auto store = kind == ServerKind::kRedis ? makeRedisStore(&loop_, options)
                                          : makeMemcacheStore(&loop_, options);
  stores_.push_back(Owned{std::move(store), false});
  return stores_.back().store.get();
}

StoreFixture::Owned* StoreFixture::find(VersionStore* store) {
  for (Owned& owned : stores_) {
    if (owned.store.get() == store) {
      return &owned;
    }
  }
  return nullptr;
}

FetchResult StoreFixture::fetchNow(VersionStore* store, const std::vector<std::string>& names) {
  auto result = std::make_shared<FetchResult>();
  store->fetch(names, [result](VersionMap versions, std::string error) {
    ++result->calls;
    result->answered = true;
    result->versions = std::move(versions);
    result->error = std::move(error);
  });
  EXPECT_TRUE(runUntil([&] { return result->answered; })) << "fetch never answered";
  EXPECT_EQ(result->calls, 1);
  return *result;
}

WriteResult StoreFixture::writeNow(VersionStore* store, const VersionMap& changes) {
  auto result = std::make_shared<WriteResult>();
  store->write(changes, [result](std::string error) {
    ++result->calls;
    result->answered = true;
    result->error = std::move(error);
  });
  EXPECT_TRUE(runUntil([&] { return result->answered; })) << "write never answered";
  EXPECT_EQ(result->calls, 1);
  return *result;
}

FetchResult StoreFixture::fetchUntilOk(VersionStore* store, const std::vector<std::string>& names,
                                       int timeout_ms) {
  auto start = Clock::now();
  FetchResult result = fetchNow(store, names);
  while (!result.error.empty() && millisSince(start) < timeout_ms) {
    runFor(50);
    result = fetchNow(store, names);
  }
  return result;
}

bool StoreFixture::closeStore(VersionStore* store) {
  Owned* owned = find(store);
  if (owned == nullptr || owned->closed) {
    return false;
  }
  auto calls = std::make_shared<int>(0);
  store->close([calls] { ++*calls; });
  bool done = runUntil([&] { return *calls > 0; });
  runFor(20);  // a second call would show up here
  owned->closed = done && *calls == 1;
  return owned->closed;
}

RawRedis::RawRedis(int port, int db) {
  timeval timeout{2, 0};
  context_ = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (context_ != nullptr && context_->err == 0) {
    redisSetTimeout(context_, timeout);
    if (db != 0) {
      run({"SELECT", std::to_string(db)});
    }
  }
}

RawRedis::~RawRedis() {
  if (context_ != nullptr) {
    redisFree(context_);
  }
}

namespace {

std::string replyText(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR:
      return "(error) " + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    default:
      return "(array of " + std::to_string(reply->elements) + ")";
  }
}

}  // namespace

std::string RawRedis::run(const std::vector<std::string>& args) {
  if (context_ == nullptr || context_->err != 0) {
    return "(no connection)";
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    return "(no connection)";
  }
  std::string text = replyText(reply);
  freeReplyObject(reply);
  return text;
}

bool RawRedis::subscribe(const std::string& channel) {
  return run({"SUBSCRIBE", channel}) == "(array of 3)";
}

std::optional<std::string> RawRedis::nextMessage(int timeout_ms) {
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  redisSetTimeout(context_, timeout);
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    return std::nullopt;
  }
  auto* reply = static_cast<redisReply*>(raw);
  std::optional<std::string> payload;
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
    payload = replyText(reply->element[2]);
  }
  freeReplyObject(reply);
  return payload;
}

namespace {

memcached_st* rawMemcache(int port) {
  memcached_st* memc = memcached_create(nullptr);
  memcached_server_add(memc, "127.0.0.1", static_cast<in_port_t>(port));
  memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 2000);
  memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 2000);
  return memc;
}

}  // namespace

std::optional<std::string> memcacheGet(int port, const std::string& key) {
  memcached_st* memc = rawMemcache(port);
  size_t length = 0;
  uint32_t flags = 0;
  memcached_return_t rc;
  char* value = memcached_get(memc, key.data(), key.size(), &length, &flags, &rc);
  std::optional<std::string> out;
  if (value != nullptr) {
    out = std::string(value, length);
    free(value);
  }
  memcached_free(memc);
  return out;
}

bool memcacheDelete(int port, const std::string& key) {
  memcached_st* memc = rawMemcache(port);
  bool ok = memcached_delete(memc, key.data(), key.size(), 0) == MEMCACHED_SUCCESS;
  memcached_free(memc);
  return ok;
}

}  // namespace vcproxy::versions::test
