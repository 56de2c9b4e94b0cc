// mcload: a small closed-loop load generator for the memcached text protocol (tests/bench only).
//
// Why not only memcaslap: memaslap's keys start with 8 bytes of 0x10 (its binary "key prefix"), which
// the memcached protocol forbids and vcproxy refuses (CLIENT_ERROR); memaslap ignores error replies
// and counts them as operations. mcload uses printable keys and counts every error reply.
//
//   mcload --port P [--seconds 10] [--conns 32] [--threads 2] [--gets-per-set 9] [--mget 1]
//          [--keys 10000] [--key-size 48] [--value-size 1024] [--depth 1] [--prefix bench:] [--no-populate]
//
// Every connection keeps --depth requests in flight (1 = request/response). A request is a set with
// probability 1/(gets_per_set+1), else a get of --mget keys ("get k1 k2 ..."). Keys are drawn uniformly
// from --keys printable keys, all stored once (pipelined) before the timed window unless --no-populate.
// Prints one line: requests= rps= keys_per_s= gets= sets= keys= hits= misses= errors= p50_us= p99_us=
// (keys_per_s counts fetched keys plus sets, like memaslap's TPS with -d).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kHistogramUs = 200000;  // latency buckets of 1 us up to 200 ms, then one overflow bucket

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  double seconds = 10;
  int conns = 32;
  int threads = 2;
  int gets_per_set = 9;
  int mget = 1;
  uint32_t keys = 10000;
  uint32_t key_size = 48;
  uint32_t value_size = 1024;
  int depth = 1;
  std::string prefix = "bench:";
  bool populate = true;
};

struct Stats {
  uint64_t requests = 0, gets = 0, sets = 0, keys = 0, hits = 0, errors = 0;
  std::vector<uint64_t> latency_us = std::vector<uint64_t>(kHistogramUs + 1);

  void add(const Stats& other) {
    requests += other.requests, gets += other.gets, sets += other.sets;
    keys += other.keys, hits += other.hits, errors += other.errors;
    for (size_t i = 0; i < latency_us.size(); ++i) latency_us[i] += other.latency_us[i];
  }
  uint64_t percentileUs(double p) const {
    const uint64_t want = static_cast<uint64_t>(p * static_cast<double>(requests));
    uint64_t seen = 0;
    for (size_t i = 0; i < latency_us.size(); ++i) {
      seen += latency_us[i];
      if (seen > want) return i;
    }
    return kHistogramUs;
  }
};

struct Pending {
  bool is_get = false;
  uint32_t nkeys = 0;
  Clock::time_point start;
};

struct Conn {
  int fd = -1;
  uint64_t rng = 0;
  std::string out;
  size_t out_off = 0;
  std::string in;
  std::deque<Pending> pending;
};

// The outcome of parsing one reply at the front of a connection's input.
enum class Parse { kNeedMore, kDone };

uint64_t nextRandom(uint64_t& state) {  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "mcload: %s\n", message.c_str());
  std::exit(2);
}

int connectTo(const Options& options) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  if (fd < 0 || inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    fail("cannot connect to " + options.host + ":" + std::to_string(options.port) + ": " + std::strerror(errno));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

class Workload {
 public:
  explicit Workload(const Options& options) : options_(options), value_(options.value_size, 'v') {
    keys_.reserve(options.keys);
    for (uint32_t i = 0; i < options.keys; ++i) {
      char number[16];
      std::snprintf(number, sizeof number, "%010u", i);
      std::string key = options.prefix;
      if (key.size() + 10 < options.key_size) key.append(options.key_size - key.size() - 10, 'k');
      keys_.push_back(key + number);
    }
  }

  const std::string& key(uint64_t random) const { return keys_[random % keys_.size()]; }
  size_t keyCount() const { return keys_.size(); }
  const std::string& keyAt(size_t i) const { return keys_[i]; }

  void appendSet(std::string& out, const std::string& key) const {
    out += "set " + key + " 0 0 " + std::to_string(value_.size()) + "\r\n";
    out += value_;
    out += "\r\n";
  }

  // Appends one random request to conn's output and records it as pending.
  void appendRequest(Conn& conn) const {
    Pending pending{.is_get = true, .nkeys = static_cast<uint32_t>(options_.mget), .start = Clock::now()};
    if (nextRandom(conn.rng) % static_cast<uint64_t>(options_.gets_per_set + 1) == 0) {
      pending.is_get = false;
      pending.nkeys = 1;
      appendSet(conn.out, key(nextRandom(conn.rng)));
    } else {
      conn.out += "get";
      for (int i = 0; i < options_.mget; ++i) conn.out += " " + key(nextRandom(conn.rng));
      conn.out += "\r\n";
    }
    conn.pending.push_back(pending);
  }

 private:
  const Options& options_;
  std::string value_;
  std::vector<std::string> keys_;
};

// Finds the line starting at `pos`; false when the input does not hold a whole line yet.
bool lineAt(const std::string& in, size_t pos, std::string_view& line, size_t& next) {
  const size_t end = in.find("\r\n", pos);
  if (end == std::string::npos) return false;
  line = std::string_view(in).substr(pos, end - pos);
  next = end + 2;
  return true;
}

// Parses the reply to `pending` that starts at `in[base]`; on kDone, `used` is its length. A VALUE
// line whose key does not start with `prefix` (e.g. a proxy that did not restore the client's key)
// counts as an error.
Parse parseReply(const std::string& in, size_t base, const Pending& pending, std::string_view prefix, size_t& used,
                 Stats& stats) {
  size_t pos = base;
  std::string_view line;
  size_t next = 0;
  uint64_t hits = 0;
  while (true) {
    if (!lineAt(in, pos, line, next)) return Parse::kNeedMore;
    if (!pending.is_get) {
      if (line != "STORED") ++stats.errors;
      used = next - base;
      return Parse::kDone;
    }
    if (line == "END") break;
    if (!line.starts_with("VALUE ")) {  // CLIENT_ERROR / SERVER_ERROR / ERROR end a get's reply
      ++stats.errors;
      used = next - base;
      return Parse::kDone;
    }
    const size_t last_space = line.rfind(' ');
    const size_t bytes = std::strtoul(std::string(line.substr(last_space + 1)).c_str(), nullptr, 10);
    if (in.size() < next + bytes + 2) return Parse::kNeedMore;
    pos = next + bytes + 2;
    if (line.substr(6).starts_with(prefix)) {
      ++hits;
    } else {
      ++stats.errors;
    }
  }
  stats.hits += hits;
  used = next - base;
  return Parse::kDone;
}

void record(Stats& stats, const Pending& pending, Clock::time_point now) {
  ++stats.requests;
  (pending.is_get ? stats.gets : stats.sets) += 1;
  stats.keys += pending.nkeys;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - pending.start).count();
  stats.latency_us[std::min<uint64_t>(static_cast<uint64_t>(us), kHistogramUs)] += 1;
}

bool flush(Conn& conn) {
  while (conn.out_off < conn.out.size()) {
    const ssize_t n = send(conn.fd, conn.out.data() + conn.out_off, conn.out.size() - conn.out_off, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    conn.out_off += static_cast<size_t>(n);
  }
  conn.out.clear();
  conn.out_off = 0;
  return true;
}

// Reads what is available and completes every whole reply; false when the connection is gone.
bool readReplies(Conn& conn, std::string_view prefix, Stats& stats, Stats& late, Clock::time_point deadline) {
  char buf[65536];
  while (true) {
    const ssize_t n = recv(conn.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    conn.in.append(buf, static_cast<size_t>(n));
  }
  size_t consumed = 0;
  while (!conn.pending.empty()) {
    size_t used = 0;
    const auto now = Clock::now();
    Stats& into = now <= deadline ? stats : late;
    if (parseReply(conn.in, consumed, conn.pending.front(), prefix, used, into) == Parse::kNeedMore) break;
    record(into, conn.pending.front(), now);
    conn.pending.pop_front();
    consumed += used;
  }
  conn.in.erase(0, consumed);
  return true;
}

Stats runThread(const Options& options, const Workload& workload, int conns, int thread_index,
                Clock::time_point deadline, std::atomic<int>& lost) {
  Stats stats, late;
  const int ep = epoll_create1(0);
  std::vector<Conn> pool(static_cast<size_t>(conns));
  for (size_t i = 0; i < pool.size(); ++i) {
    Conn& conn = pool[i];
    conn.fd = connectTo(options);
    fcntl(conn.fd, F_SETFL, fcntl(conn.fd, F_GETFL) | O_NONBLOCK);
    conn.rng = 0x5EED0000ull + static_cast<uint64_t>(thread_index) * 1000003u + i;
    epoll_event ev{.events = EPOLLIN | EPOLLOUT | EPOLLET, .data = {.ptr = &conn}};
    epoll_ctl(ep, EPOLL_CTL_ADD, conn.fd, &ev);
    for (int d = 0; d < options.depth; ++d) workload.appendRequest(conn);
    flush(conn);
  }
  const auto drain_until = deadline + std::chrono::seconds(2);
  size_t busy = pool.size();
  std::vector<epoll_event> events(pool.size());
  while (busy > 0 && Clock::now() < drain_until) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
    for (int i = 0; i < n; ++i) {
      Conn& conn = *static_cast<Conn*>(events[static_cast<size_t>(i)].data.ptr);
      if (conn.fd < 0) continue;
      bool ok = flush(conn);
      if (ok && (events[static_cast<size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        ok = readReplies(conn, options.prefix, stats, late, deadline);
      }
      if (ok && Clock::now() < deadline) {
        while (conn.pending.size() < static_cast<size_t>(options.depth)) workload.appendRequest(conn);
        ok = flush(conn);
      }
      if (!ok || (conn.pending.empty() && Clock::now() >= deadline)) {
        if (!ok) lost.fetch_add(1);
        close(conn.fd);
        conn.fd = -1;
        --busy;
      }
    }
  }
  for (Conn& conn : pool) {
    if (conn.fd >= 0) close(conn.fd);
  }
  close(ep);
  return stats;
}

// Stores every key once over one connection, pipelined in batches; returns the number of error replies.
uint64_t populate(const Options& options, const Workload& workload) {
  const int fd = connectTo(options);
  uint64_t errors = 0;
  constexpr size_t kBatch = 100;
  std::string out, in;
  char buf[65536];
  for (size_t first = 0; first < workload.keyCount(); first += kBatch) {
    const size_t count = std::min(kBatch, workload.keyCount() - first);
    out.clear();
    for (size_t i = first; i < first + count; ++i) workload.appendSet(out, workload.keyAt(i));
    if (send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) fail("populate: send failed");
    size_t lines = 0;
    while (lines < count) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) fail("populate: connection closed");
      in.append(buf, static_cast<size_t>(n));
      size_t end;
      while (lines < count && (end = in.find("\r\n")) != std::string::npos) {
        if (in.compare(0, end, "STORED") != 0) ++errors;
        in.erase(0, end + 2);
        ++lines;
      }
    }
  }
  close(fd);
  return errors;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-populate") {
      o.populate = false;
      continue;
    }
    if (i + 1 >= argc) fail("missing value for " + std::string(arg));
    const char* v = argv[++i];
    if (arg == "--host") o.host = v;
    else if (arg == "--port") o.port = static_cast<uint16_t>(std::atoi(v));
    else if (arg == "--seconds") o.seconds = std::atof(v);
    else if (arg == "--conns") o.conns = std::atoi(v);
    else if (arg == "--threads") o.threads = std::atoi(v);
    else if (arg == "--gets-per-set") o.gets_per_set = std::atoi(v);
    else if (arg == "--mget") o.mget = std::atoi(v);
    else if (arg == "--keys") o.keys = static_cast<uint32_t>(std::atoi(v));
    else if (arg == "--key-size") o.key_size = static_cast<uint32_t>(std::atoi(v));
    else if (arg == "--value-size") o.value_size = static_cast<uint32_t>(std::atoi(v));
    else if (arg == "--depth") o.depth = std::atoi(v);
    else if (arg == "--prefix") o.prefix = v;
    else fail("unknown option " + std::string(arg) + " (see the comment at the top of tests/bench/mcload.cc)");
  }
  if (o.port == 0 || o.seconds <= 0 || o.conns < 1 || o.threads < 1 || o.gets_per_set < 0 || o.mget < 1 ||
      o.keys < 1 || o.depth < 1) {
    fail("bad options: need --port, and positive --seconds --conns --threads --mget --keys --depth");
  }
  o.threads = std::min(o.threads, o.conns);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  const Workload workload(options);
  const uint64_t populate_errors = options.populate ? populate(options, workload) : 0;

  std::atomic<int> lost{0};
  std::vector<Stats> results(static_cast<size_t>(options.threads));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  for (int t = 0; t < options.threads; ++t) {
    const int conns = options.conns / options.threads + (t < options.conns % options.threads ? 1 : 0);
    threads.emplace_back([&, t, conns] { results[static_cast<size_t>(t)] = runThread(options, workload, conns, t, deadline, lost); });
  }
  for (auto& thread : threads) thread.join();
  Stats total;
  for (const auto& stats : results) total.add(stats);

  const double seconds = options.seconds;
  const uint64_t requested_get_keys = total.gets * static_cast<uint64_t>(options.mget);
  std::printf(
      "requests=%llu seconds=%.2f rps=%.0f keys_per_s=%.0f gets=%llu sets=%llu keys=%llu hits=%llu misses=%llu "
      "errors=%llu lost_conns=%d populate_errors=%llu p50_us=%llu p99_us=%llu\n",
      static_cast<unsigned long long>(total.requests), seconds, static_cast<double>(total.requests) / seconds,
      static_cast<double>(total.keys) / seconds, static_cast<unsigned long long>(total.gets),
      static_cast<unsigned long long>(total.sets), static_cast<unsigned long long>(total.keys),
      static_cast<unsigned long long>(total.hits),
      static_cast<unsigned long long>(requested_get_keys >= total.hits ? requested_get_keys - total.hits : 0),
      static_cast<unsigned long long>(total.errors), lost.load(), static_cast<unsigned long long>(populate_errors),
      static_cast<unsigned long long>(total.percentileUs(0.50)), static_cast<unsigned long long>(total.percentileUs(0.99)));
  return 0;
}
