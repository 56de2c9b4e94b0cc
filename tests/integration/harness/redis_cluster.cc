#include "tests/integration/harness/redis_cluster.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/integration/harness/ports.h"
#include "tests/integration/harness/process.h"

namespace vcproxy::test {
namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr int kMaxRedirects = 16;

// Runs a tool to completion; its exit status and output.
bool runTool(const std::vector<std::string>& argv, std::string& output, std::chrono::seconds timeout) {
  TempFile log("redis-cli.log");
  Process process(argv, log.path());
  const auto status = process.wait(timeout);
  output = log.read();
  if (!status) {
    process.stop(std::chrono::seconds(1), SIGKILL);
    output += "\n(timed out after " + std::to_string(timeout.count()) + " s)";
    return false;
  }
  return status->ok();
}

// "MOVED 3999 127.0.0.1:6381" / "ASK ...": the port of the node named.
uint16_t redirectPort(const std::string& error) {
  const size_t colon = error.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(error.substr(colon + 1)));
}

// The owner (by port) of every slot, as this node's CLUSTER SLOTS says; empty on failure.
std::vector<uint16_t> slotOwners(uint16_t port) {
  RespClient client(port);
  const RespReply reply = client.call({"CLUSTER", "SLOTS"});
  if (!reply.ok() || reply.value.type != '*') return {};
  std::vector<uint16_t> owners(16384, 0);
  for (const RespValue& range : reply.value.items) {
    if (range.items.size() < 3 || range.items[2].items.size() < 2) return {};
    const int first = std::stoi(range.items[0].text);
    const int last = std::stoi(range.items[1].text);
    const auto owner = static_cast<uint16_t>(std::stoi(range.items[2].items[1].text));
    for (int slot = first; slot <= last && slot < 16384; ++slot) owners[static_cast<size_t>(slot)] = owner;
  }
  return owners;
}

}  // namespace

RedisClusterNode::RedisClusterNode() : LocalServer("redis-cluster-node", SIGTERM) { start(); }

RedisClusterNode::~RedisClusterNode() {
  stop();
  if (port() != 0) unlink(configFile(port()).c_str());
}

std::string RedisClusterNode::configFile(uint16_t port) const {
  const char* dir = getenv("TMPDIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/vcproxy-it-" + std::to_string(getpid()) +
         "-" + std::to_string(port) + "-nodes.conf";
}

std::vector<std::string> RedisClusterNode::commandFor(uint16_t port) const {
  const std::string config = configFile(port);
  unlink(config.c_str());  // a fresh node: no cluster state from an earlier run
  // The bus port defaults to port + 10000, past 65535 for most free ports: a free one of its own.
  return {"redis-server", "--cluster-enabled", "yes", "--cluster-config-file", config,
          "--cluster-port", std::to_string(freePort()), "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
          "--repl-diskless-sync-delay", "0"};
}

RedisClusterServers::RedisClusterServers(size_t replicas_per_master) : replicas_per_master_(replicas_per_master) {
  for (size_t i = 0; i < kMasters * (1 + replicas_per_master); ++i) nodes_.push_back(std::make_unique<RedisClusterNode>());
  std::vector<std::string> argv = {"redis-cli", "--cluster", "create"};
  for (auto& node : nodes_) argv.push_back(node->address());
  for (const std::string& arg : {std::string("--cluster-replicas"), std::to_string(replicas_per_master),
                                 std::string("--cluster-yes")}) {
    argv.push_back(arg);
  }
  std::string output;
  if (!runTool(argv, output, std::chrono::seconds(60))) {
    throw std::runtime_error("redis-cli --cluster create failed:\n" + output);
  }
  std::string why = waitUntilConsistent();
  if (why.empty()) why = waitForReplicas();
  if (!why.empty()) {
    throw std::runtime_error("the cluster did not become ready: " + why + "\n--- redis-cli ---\n" + output);
  }
}

// CLUSTER SLOTS lists a replica once it has synced (not while it is loading, nor once failed).
std::string RedisClusterServers::waitForReplicas() {
  const size_t expected = kMasters * replicas_per_master_;
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string why;
  while (std::chrono::steady_clock::now() < deadline) {
    why.clear();
    for (auto& node : nodes_) {
      RespClient client(node->port());
      const RespReply reply = client.call({"CLUSTER", "SLOTS"});
      size_t listed = 0;
      for (const RespValue& range : reply.value.items) listed += range.items.size() > 3 ? range.items.size() - 3 : 0;
      if (listed != expected) {
        why = node->address() + " lists " + std::to_string(listed) + " of " + std::to_string(expected) + " replicas";
        break;
      }
    }
    if (why.empty()) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return why;
}

namespace {

// The value of `field` in an INFO reply ("field:value" lines); empty when missing.
std::string infoField(const std::string& info, const std::string& field) {
  const std::string key = field + ":";
  size_t at = info.find(key);
  while (at != std::string::npos && at != 0 && info[at - 1] != '\n') at = info.find(key, at + 1);
  if (at == std::string::npos) return {};
  const size_t start = at + key.size();
  return info.substr(start, info.find_first_of("\r\n", start) - start);
}

}  // namespace

size_t RedisClusterServers::masterOf(size_t i) {
  RespClient client(nodes_[i]->port());
  const std::string info = client.call({"INFO", "replication"}).value.text;
  if (infoField(info, "role") != "slave") return nodes_.size();
  const std::string port = infoField(info, "master_port");
  for (size_t m = 0; m < nodes_.size(); ++m) {
    if (std::to_string(nodes_[m]->port()) == port) return m;
  }
  return nodes_.size();
}

int64_t RedisClusterServers::commandCalls(size_t i, const std::string& command) {
  RespClient client(nodes_[i]->port());
  const std::string stats = infoField(client.call({"INFO", "commandstats"}).value.text, "cmdstat_" + command);
  const size_t calls = stats.find("calls=");  // "calls=12,usec=...,"
  return calls == std::string::npos ? 0 : std::stoll(stats.substr(calls + 6));
}

std::string RedisClusterServers::waitForReplication() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const size_t master = masterOf(i);
    if (master == nodes_.size()) continue;
    RespClient primary(nodes_[master]->port());
    const int64_t written = std::stoll(infoField(primary.call({"INFO", "replication"}).value.text, "master_repl_offset"));
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    RespClient replica(nodes_[i]->port());
    for (;;) {
      const std::string applied = infoField(replica.call({"INFO", "replication"}).value.text, "slave_repl_offset");
      if (!applied.empty() && std::stoll(applied) >= written) break;
      if (std::chrono::steady_clock::now() > deadline) return nodes_[i]->address() + " did not catch up with its master";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return {};
}

std::string RedisClusterServers::waitUntilConsistent() {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string why;
  while (std::chrono::steady_clock::now() < deadline) {
    why.clear();
    std::vector<uint16_t> first;
    for (auto& node : nodes_) {
      RespClient client(node->port());
      const RespReply info = client.call({"CLUSTER", "INFO"});
      if (!info.ok() || info.value.text.find("cluster_state:ok") == std::string::npos) {
        why = node->address() + " is not cluster_state:ok: " + info.describe();
        break;
      }
      const std::vector<uint16_t> owners = slotOwners(node->port());
      if (owners.empty()) why = node->address() + ": CLUSTER SLOTS failed";
      if (first.empty()) first = owners;
      if (owners != first) why = node->address() + " does not agree on the slot map yet";
      if (!why.empty()) break;
    }
    if (why.empty()) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return why;
}

std::string RedisClusterServers::nodeId(size_t i) {
  RespClient client(nodes_[i]->port());
  return client.call({"CLUSTER", "MYID"}).value.text;
}

size_t RedisClusterServers::ownerOf(uint16_t slot) {
  const std::vector<uint16_t> owners = slotOwners(nodes_[0]->port());
  if (owners.empty()) return nodes_.size();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == owners[slot]) return i;
  }
  return nodes_.size();
}

RespReply RedisClusterServers::call(const std::vector<std::string>& args) {
  uint16_t port = nodes_[0]->port();
  bool asking = false;
  RespReply reply;
  for (int redirect = 0; redirect <= kMaxRedirects; ++redirect) {
    RespClient client(port);
    if (asking) client.call({"ASKING"});
    reply = client.call(args);
    if (!reply.ok() || !reply.value.isError()) return reply;
    const std::string& error = reply.value.text;
    if (!error.starts_with("MOVED ") && !error.starts_with("ASK ")) return reply;
    asking = error.starts_with("ASK ");
    port = redirectPort(error);
  }
  return reply;
}

bool RedisClusterServers::reshard(size_t from, size_t to, int slots, std::string& output) {
  const std::vector<std::string> argv = {"redis-cli", "--cluster", "reshard", nodes_[0]->address(),
                                         "--cluster-from", nodeId(from), "--cluster-to", nodeId(to),
                                         "--cluster-slots", std::to_string(slots), "--cluster-yes"};
  return runTool(argv, output, std::chrono::seconds(120));
}

}  // namespace vcproxy::test
