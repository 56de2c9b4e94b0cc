#include "proxy/versions/redis_store.h"

#include <hiredis/hiredis.h>
#include <strings.h>

#include <exception>
#include <map>
#include <utility>

#include "proxy/route/version.h"
#include "proxy/versions/store_common.h"

namespace vcproxy::versions {
namespace {

using Hash = std::map<std::string, std::string>;

std::string replyText(const redisReply* reply) { return std::string(reply->str, reply->len); }

// An HGETALL reply: field, value, field, value... Empty on success, else what was wrong.
std::string parseHash(const redisReply* reply, Hash* out) {
  if (reply->type == REDIS_REPLY_ERROR) {
    return "HGETALL: " + replyText(reply);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) {
    return "HGETALL: unexpected reply";
  }
  for (size_t i = 0; i < reply->elements; i += 2) {
    const redisReply* field = reply->element[i];
    const redisReply* value = reply->element[i + 1];
    if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) {
      return "HGETALL: unexpected reply";
    }
    (*out)[replyText(field)] = replyText(value);
  }
  return {};
}

bool isPushOf(const redisReply* push, const char* kind) {
  return push->type == REDIS_REPLY_ARRAY && push->elements >= 3 &&
         push->element[0]->type == REDIS_REPLY_STRING &&
         strcasecmp(push->element[0]->str, kind) == 0;
}

}  // namespace

struct RedisStore::FetchOp {
  std::vector<std::string> names;
  FetchDone done;
  uint64_t deadline = 0;
  int outstanding = 0;   // replies still due in the current round
  bool created = false;  // HSETNX already sent: a second miss is an error, not a loop
  bool answered = false;
  Hash versions;
  Hash modes;

  void fail(const std::string& error) {
    if (!answered) {
      answered = true;
      FetchDone fn = std::move(done);
      fn(VersionMap{}, error);
    }
  }
};

struct RedisStore::WriteOp {
  WriteDone done;
  uint64_t deadline = 0;
  bool answered = false;

  void answer(const std::string& error) {
    if (!answered) {
      answered = true;
      WriteDone fn = std::move(done);
      fn(error);
    }
  }
};

RedisStore::RedisStore(uv_loop_t* loop, StoreOptions options)
    : options_(std::move(options)),
      versions_key_(redisVersionsKey(options_.name_space)),
      modes_key_(redisModesKey(options_.name_space)),
      channel_(redisChannel(options_.name_space)),
      commands_(loop, "redis " + hostPort(options_.host, options_.port), options_.host,
                options_.port, options_.db, options_.timeout_ms),
      // Pub/sub ignores the database number: no SELECT on the subscriber.
      subscriber_(loop, "redis " + hostPort(options_.host, options_.port), options_.host,
                  options_.port, 0, options_.timeout_ms) {
  if (!options_.password.empty()) {
    commands_.setAuth(options_.username, options_.password);
    subscriber_.setAuth(options_.username, options_.password);
  }
}

RedisStore::~RedisStore() = default;

std::string RedisStore::describe() const {
  return "redis://" + hostPort(options_.host, options_.port) + "/" + std::to_string(options_.db);
}

void RedisStore::fetch(const std::vector<std::string>& names, FetchDone done) {
  auto op = std::make_shared<FetchOp>();
  op->names = names;
  op->done = std::move(done);
  op->deadline = commands_.now() + static_cast<uint64_t>(options_.timeout_ms);
  readAll(op);
}

void RedisStore::readAll(const std::shared_ptr<FetchOp>& op) {
  op->versions.clear();
  op->modes.clear();
  for (Hash* target : {&op->versions, &op->modes}) {
    const std::string& key = target == &op->versions ? versions_key_ : modes_key_;
    ++op->outstanding;
    commands_.command({"HGETALL", key}, op->deadline,
                      [this, op, target](const redisReply* reply, const std::string& error) {
                        --op->outstanding;
                        if (op->answered) {
                          return;
                        }
                        if (!error.empty()) {
                          op->fail(error);
                          return;
                        }
                        std::string problem = parseHash(reply, target);
                        if (!problem.empty()) {
                          op->fail(commands_.errorText(problem));
                        } else if (op->outstanding == 0) {
                          onRead(op);
                        }
                      });
  }
}

void RedisStore::onRead(const std::shared_ptr<FetchOp>& op) {
  std::vector<std::string> missing;
  for (const std::string& name : op->names) {
    if (op->versions.count(name) == 0) {
      missing.push_back(name);
    }
  }
  if (missing.empty()) {
    answerFetch(op);
  } else if (op->created) {
    op->fail(commands_.errorText("the version of cache \"" + missing.front() +
                                 "\" vanished right after it was created"));
  } else {
    createMissing(op, missing);
  }
}

void RedisStore::createMissing(const std::shared_ptr<FetchOp>& op,
                               const std::vector<std::string>& missing) {
  op->created = true;
  std::vector<std::string> fresh;
  try {
    for (size_t i = 0; i < missing.size(); ++i) {
      fresh.push_back(route::newVersion());
    }
  } catch (const std::exception& e) {
    op->fail(commands_.errorText(std::string("cannot draw a version: ") + e.what()));
    return;
  }
  // HSETNX: the first sidecar wins; the HGETALLs queued behind (FIFO) read the winner.
  for (size_t i = 0; i < missing.size(); ++i) {
    ++op->outstanding;
    commands_.command({"HSETNX", versions_key_, missing[i], fresh[i]}, op->deadline,
                      [this, op](const redisReply* reply, const std::string& error) {
                        --op->outstanding;
                        if (!error.empty()) {
                          op->fail(error);
                        } else if (reply->type == REDIS_REPLY_ERROR) {
                          op->fail(commands_.errorText("HSETNX: " + replyText(reply)));
                        }
                      });
  }
  readAll(op);
}

void RedisStore::answerFetch(const std::shared_ptr<FetchOp>& op) {
  VersionMap result;
  for (const std::string& name : op->names) {
    auto mode = op->modes.find(name);
    StoredCache cache{op->versions[name], mode == op->modes.end() ? "" : mode->second};
    std::string problem = checkStored(name, cache);
    if (!problem.empty()) {
      op->fail(commands_.errorText(problem));
      return;
    }
    if (cache.mode.empty()) {
      cache.mode = kNormalMode;
    }
    result[name] = std::move(cache);
  }
  op->answered = true;
  FetchDone done = std::move(op->done);
  done(std::move(result), "");
}

void RedisStore::write(const VersionMap& changes, WriteDone done) {
  std::string problem = checkChanges(changes);
  if (!problem.empty() || changes.empty()) {
    std::string error = problem.empty() ? "" : commands_.errorText(problem);
    commands_.post([done = std::move(done), error = std::move(error)] { done(error); });
    return;
  }
  auto op = std::make_shared<WriteOp>();
  op->done = std::move(done);
  op->deadline = commands_.now() + static_cast<uint64_t>(options_.timeout_ms);
  sendWrite(op, changes);
}

void RedisStore::sendWrite(const std::shared_ptr<WriteOp>& op, const VersionMap& changes) {
  std::vector<std::string> versions{"HSET", versions_key_};
  std::vector<std::string> modes{"HSET", modes_key_};
  for (const auto& [name, cache] : changes) {
    if (!cache.version.empty()) versions.insert(versions.end(), {name, cache.version});
    if (!cache.mode.empty()) modes.insert(modes.end(), {name, cache.mode});
  }
  // MULTI/HSET replies only matter when the connection fails; EXEC reports queueing errors.
  auto lost = [this, op](const redisReply*, const std::string& error) {
    if (!error.empty() && !op->answered) {
      op->answer(error + (commands_.failureMaybeSent()
                              ? "; the changes may or may not have been written"
                              : "; nothing was written"));
    }
  };
  commands_.command({"MULTI"}, op->deadline, lost);
  if (versions.size() > 2) commands_.command(versions, op->deadline, lost);  // HSET needs a field
  if (modes.size() > 2) commands_.command(modes, op->deadline, lost);
  commands_.command({"EXEC"}, op->deadline,
                    [this, op, lost](const redisReply* reply, const std::string& error) {
                      if (!error.empty()) {
                        lost(reply, error);
                      } else {
                        onExec(op, reply);
                      }
                    });
  commands_.command(
      {"PUBLISH", channel_, joinNames(changes)}, op->deadline,
      [this, op](const redisReply* reply, const std::string& error) {
        if (error.empty() && reply->type != REDIS_REPLY_ERROR) {
          op->answer("");
          return;
        }
        std::string why =
            error.empty() ? commands_.errorText("PUBLISH: " + replyText(reply)) : error;
        op->answer(why + "; the changes were written but not announced (other sidecars see "
                         "them at their next poll)");
      });
}

// EXEC does not roll back: a command that fails inside it leaves the others applied.
void RedisStore::onExec(const std::shared_ptr<WriteOp>& op, const redisReply* reply) {
  std::string problem;
  if (reply->type == REDIS_REPLY_ERROR) {
    problem = "write failed, nothing written: " + replyText(reply);
  } else if (reply->type != REDIS_REPLY_ARRAY) {
    problem = "write failed: unexpected reply to EXEC";
  } else {
    size_t failed = 0;
    for (size_t i = 0; i < reply->elements; ++i) {
      if (reply->element[i]->type != REDIS_REPLY_ERROR) continue;
      ++failed;
      problem = replyText(reply->element[i]);
    }
    if (failed > 0) {
      problem = (failed == reply->elements ? "write failed, nothing written: "
                                           : "write failed half-way (versions and modes disagree): ") + problem;
    }
  }
  if (!problem.empty()) {
    op->answer(commands_.errorText(problem));
  }  // else the PUBLISH reply answers
}

void RedisStore::subscribe(std::function<void()> on_change) {
  if (closing_) {
    return;
  }
  on_change_ = std::move(on_change);
  subscriber_.subscribe(channel_, [this](const redisReply* push) { onPush(push); });
}

void RedisStore::onPush(const redisReply* push) {
  // "subscribe" too: a (re)established subscription may have missed announcements.
  if ((isPushOf(push, "message") || isPushOf(push, "subscribe")) && on_change_) {
    on_change_();
  }
}

void RedisStore::close(std::function<void()> done) {
  if (closing_) {
    return;
  }
  closing_ = true;
  close_done_ = std::move(done);
  auto one_closed = [this] {
    if (--open_connections_ == 0 && close_done_) {
      std::function<void()> fn = std::move(close_done_);
      fn();  // may destroy *this
    }
  };
  commands_.close(one_closed);
  subscriber_.close(one_closed);
}

std::unique_ptr<VersionStore> makeRedisStore(uv_loop_t* loop, StoreOptions options) {
  return std::make_unique<RedisStore>(loop, std::move(options));
}

}  // namespace vcproxy::versions
