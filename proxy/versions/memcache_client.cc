#include "proxy/versions/memcache_client.h"

#include <libmemcached/memcached.h>

#include <system_error>
#include <utility>

#include "proxy/route/version.h"
#include "proxy/versions/store_common.h"

namespace vcproxy::versions {
namespace {

constexpr size_t kMaxKeyLength = 250;  // memcached's limit

std::string joinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

}  // namespace

MemcacheClient::MemcacheClient(StoreOptions options) : options_(std::move(options)) {}

MemcacheClient::~MemcacheClient() { reset(); }

void MemcacheClient::reset() {
  if (memc_ != nullptr) {
    memcached_free(memc_);
    memc_ = nullptr;
  }
}

std::string MemcacheClient::timedOut() const {
  return "timed out after " + std::to_string(options_.timeout_ms) + " ms";
}

std::string MemcacheClient::checkKey(const std::string& key) const {
  if (key.size() > kMaxKeyLength) {
    return "key \"" + key + "\" is longer than 250 bytes";
  }
  for (unsigned char c : key) {
    if (c <= ' ' || c == 0x7f) {
      return "key \"" + key + "\" contains a space or control character";
    }
  }
  return {};
}

std::string MemcacheClient::connect() {
  if (memc_ != nullptr) {
    return {};
  }
  memc_ = memcached_create(nullptr);
  if (memc_ == nullptr) {
    return "out of memory";
  }
  // A pool: the same servers, weights and order as the data path, KETAMA_WEIGHTED before any is
  // added, so version keys live where a vcproxy listener on that pool would put them.
  if (!options_.more_servers.empty()) {
    memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
  }
  memcached_return_t rc = memcached_server_add_with_weight(
      memc_, options_.host.c_str(), static_cast<in_port_t>(options_.port), options_.weight);
  for (size_t i = 0; rc == MEMCACHED_SUCCESS && i < options_.more_servers.size(); ++i) {
    const StoreServer& server = options_.more_servers[i];
    rc = memcached_server_add_with_weight(memc_, server.host.c_str(),
                                          static_cast<in_port_t>(server.port), server.weight);
  }
  if (rc != MEMCACHED_SUCCESS) {
    return failure(rc);
  }
  // Every wait is bounded by the operation timeout; the handle is dropped after a failure, so
  // libmemcached never retries on its own (ASCII protocol is the default).
  auto timeout = static_cast<uint64_t>(options_.timeout_ms);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, timeout);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, timeout);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, timeout * 1000);  // in us
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_SND_TIMEOUT, timeout * 1000);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_TCP_KEEPALIVE, 1);
  memcached_behavior_set(memc_, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1);
  return {};
}

std::string MemcacheClient::failure(int code) {
  auto rc = static_cast<memcached_return_t>(code);
  std::string text;
  int error = memc_ != nullptr ? memcached_last_error_errno(memc_) : 0;
  if (rc == MEMCACHED_TIMEOUT) {
    text = timedOut();
  } else if (error != 0) {
    text = std::error_code(error, std::generic_category()).message();
  } else if (rc == MEMCACHED_CONNECTION_FAILURE || rc == MEMCACHED_SERVER_TEMPORARILY_DISABLED ||
             rc == MEMCACHED_SERVER_MARKED_DEAD || rc == MEMCACHED_NO_SERVERS) {
    // libmemcached keeps the connect errno ("Connection refused") only in its error chain,
    // which it does not expose; "temporarily disabled" just means an earlier connect of this
    // same operation failed (the handle is dropped, so nothing stays disabled).
    text = "cannot connect (libmemcached: CONNECTION FAILURE)";
  } else {
    text = std::string("libmemcached: ") + memcached_strerror(memc_, rc);
  }
  reset();
  return text;
}

std::string MemcacheClient::getMulti(const std::vector<std::string>& keys,
                                     Clock::time_point deadline, Values* out) {
  if (Clock::now() >= deadline) {
    return timedOut();
  }
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const std::string& key : keys) {
    pointers.push_back(key.data());
    lengths.push_back(key.size());
  }
  memcached_return_t rc = memcached_mget(memc_, pointers.data(), lengths.data(), keys.size());
  // SOME_ERRORS: a server of the pool is down. The keys it holds read as missing, and creating
  // them (`add` on that same server) then fails, so nothing is ever created elsewhere.
  if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_SOME_ERRORS) {
    return failure(rc);
  }
  memcached_result_st result;
  memcached_result_create(memc_, &result);
  while (memcached_fetch_result(memc_, &result, &rc) != nullptr) {
    (*out)[std::string(memcached_result_key_value(&result), memcached_result_key_length(&result))] =
        std::string(memcached_result_value(&result), memcached_result_length(&result));
  }
  memcached_result_free(&result);
  if (rc != MEMCACHED_END && rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
    return failure(rc);
  }
  return {};
}

// `add` stores only if the key is absent: the first sidecar wins, the others read its version.
std::string MemcacheClient::addMissing(const std::vector<std::string>& names,
                                       Clock::time_point deadline) {
  for (const std::string& name : names) {
    if (Clock::now() >= deadline) {
      return timedOut();
    }
    std::string key = memcacheVersionKey(options_.name_space, name);
    std::string version = route::newVersion();
    memcached_return_t rc = memcached_add(memc_, key.data(), key.size(), version.data(),
                                          version.size(), 0, 0);
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTSTORED) {
      return failure(rc);
    }
  }
  return {};
}

// Reads `keys`, then `add`s a fresh version for each cache that has none and reads those again.
std::string MemcacheClient::readOrCreate(const std::vector<std::string>& names,
                                         const std::vector<std::string>& keys,
                                         Clock::time_point deadline, Values* values) {
  std::string error = connect();
  if (error.empty()) {
    error = getMulti(keys, deadline, values);
  }
  if (!error.empty()) {
    return error;
  }
  std::vector<std::string> missing;
  std::vector<std::string> missing_keys;
  for (const std::string& name : names) {
    std::string key = memcacheVersionKey(options_.name_space, name);
    if (values->count(key) == 0) {
      missing.push_back(name);
      missing_keys.push_back(key);
    }
  }
  if (missing.empty()) {
    return {};
  }
  error = addMissing(missing, deadline);
  return error.empty() ? getMulti(missing_keys, deadline, values) : error;
}

// An evicted version key is simply missing here, so it is created again with a new random
// version: for that cache this is an invalidation (its old keys become unreachable), never
// stale data. The same holds after a memcached restart.
std::string MemcacheClient::fetch(const std::vector<std::string>& names,
                                  Clock::time_point deadline, VersionMap* out) {
  std::vector<std::string> keys;
  for (const std::string& name : names) {
    keys.push_back(memcacheVersionKey(options_.name_space, name));
    keys.push_back(memcacheModeKey(options_.name_space, name));
  }
  for (const std::string& key : keys) {
    if (std::string problem = checkKey(key); !problem.empty()) {
      return problem;
    }
  }
  if (names.empty()) {
    return {};
  }
  Values values;
  if (std::string error = readOrCreate(names, keys, deadline, &values); !error.empty()) {
    return error;
  }
  for (const std::string& name : names) {
    auto version = values.find(memcacheVersionKey(options_.name_space, name));
    if (version == values.end()) {
      return "the version of cache \"" + name + "\" vanished right after it was created";
    }
    auto mode = values.find(memcacheModeKey(options_.name_space, name));
    StoredCache cache{version->second, mode == values.end() ? "" : mode->second};
    if (std::string problem = checkStored(name, cache); !problem.empty()) {
      return problem;
    }
    if (cache.mode.empty()) {
      cache.mode = kNormalMode;
    }
    (*out)[name] = std::move(cache);
  }
  return {};
}

std::string MemcacheClient::write(const VersionMap& changes, Clock::time_point deadline) {
  if (std::string problem = checkChanges(changes); !problem.empty()) {
    return problem;
  }
  std::vector<std::pair<std::string, std::string>> sets;  // key, value; a version before its mode
  for (const auto& [name, cache] : changes) {  // an empty field stays as it is
    if (!cache.version.empty()) sets.emplace_back(memcacheVersionKey(options_.name_space, name), cache.version);
    if (!cache.mode.empty()) sets.emplace_back(memcacheModeKey(options_.name_space, name), cache.mode);
  }
  for (const auto& set : sets) {
    if (std::string problem = checkKey(set.first); !problem.empty()) {
      return problem;
    }
  }
  std::vector<std::string> written;
  std::string error = connect();
  for (size_t i = 0; error.empty() && i < sets.size(); ++i) {
    if (Clock::now() >= deadline) {
      error = timedOut();
      break;
    }
    const auto& [key, value] = sets[i];
    memcached_return_t rc =
        memcached_set(memc_, key.data(), key.size(), value.data(), value.size(), 0, 0);
    if (rc != MEMCACHED_SUCCESS) {
      error = failure(rc);
    } else {
      written.push_back(key);
    }
  }
  if (error.empty()) {
    return {};
  }
  return written.empty() ? error + "; nothing was written"
                         : error + "; written before the failure: " + joinList(written);
}

}  // namespace vcproxy::versions
