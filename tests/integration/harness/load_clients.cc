#include "tests/integration/harness/load_clients.h"

#include <memory>
#include <sstream>

#include "tests/integration/harness/resp_client.h"
#include "tests/integration/harness/sidecar_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

constexpr size_t kKeptFailures = 10;

// What one set-then-get round trip came to.
struct Round {
  bool miss = false;
  std::string failure;  // non-empty: the round failed
};

Round memcacheRound(TextClient& client, const std::string& key, const std::string& value) {
  const ReadResult stored = mcSet(client, key, value);
  if (!(stored == "STORED")) return {false, "set " + key + ": " + stored.data + " " + stored.error};
  const GetResult got = mcGet(client, key);
  if (!got.error.empty()) return {false, got.error};
  if (got.hit && got.value != value) return {false, "get " + key + " returned " + got.value + ", set " + value};
  return {got.miss(), ""};
}

Round redisRound(RespClient& client, const std::string& key, const std::string& value) {
  const RespReply stored = client.call({"SET", key, value});
  if (stored.describe() != "OK") return {false, "SET " + key + ": " + stored.describe()};
  const RespReply got = client.call({"GET", key});
  if (got.ok() && got.value.isNil()) return {true, ""};
  if (got.value.type != '$' || got.value.text != value) return {false, "GET " + key + ": " + got.describe()};
  return {};
}

}  // namespace

struct LoadClients::Connection {
  std::unique_ptr<TextClient> text;
  std::unique_ptr<RespClient> resp;
};

std::string LoadTally::describe() const {
  std::ostringstream out;
  out << requests << " requests, " << misses << " misses after a set, " << failures << " failures";
  for (const auto& failure : first_failures) out << "\n  " << failure;
  return out.str();
}

LoadClients::LoadClients(LoadProtocol protocol, uint16_t port, int clients) {
  for (int i = 0; i < clients; ++i) {
    auto connection = std::make_unique<Connection>();
    if (protocol == LoadProtocol::memcache) connection->text = std::make_unique<TextClient>(port);
    else connection->resp = std::make_unique<RespClient>(port);
    connections_.push_back(std::move(connection));
  }
  for (int i = 0; i < clients; ++i) threads_.emplace_back([this, i] { run(*connections_[i], i); });
}

LoadClients::~LoadClients() { stop(); }

void LoadClients::stop() {
  stopping_ = true;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  connections_.clear();
}

void LoadClients::run(Connection& connection, int index) {
  const std::string key = "load:" + std::to_string(index);
  const std::string padding(64, 'p');
  for (uint64_t i = 0; !stopping_; ++i) {
    const std::string value = key + ":" + std::to_string(i) + ":" + padding;
    const Round round = connection.text ? memcacheRound(*connection.text, key, value)
                                        : redisRound(*connection.resp, key, value);
    if (!round.failure.empty()) return record(round.failure);
    requests_ += 2;
    if (round.miss) ++misses_;
  }
}

void LoadClients::record(const std::string& failure) {
  std::lock_guard lock(mutex_);
  ++failures_.failures;
  if (failures_.first_failures.size() < kKeptFailures) failures_.first_failures.push_back(failure);
}

LoadTally LoadClients::tally() const {
  std::lock_guard lock(mutex_);
  LoadTally tally = failures_;
  tally.requests = requests_;
  tally.misses = misses_;
  return tally;
}

}  // namespace vcproxy::test
