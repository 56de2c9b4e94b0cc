// The staleness bound of ARCHITECTURE.md section 3, measured: after sidecar A answers an
// invalidation, how long until sidecar B's data path misses the old key. Printed as
//   PROPAGATION <store>: p50=... p99=... max=... ms over N
// and asserted only against a generous bound: this is a measurement, not a timing test.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/servers.h"
#include "tests/integration/harness/sidecar_test.h"

namespace vcproxy::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kGiveUp = 3000ms;  // one invalidation that takes longer counts as lost
constexpr double kP99BoundMs = 1000;

struct Figures {
  double p50 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentiles.
Figures figuresOf(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const auto rank = [&](double p) {
    const size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
    return samples[std::clamp<size_t>(index, 1, samples.size()) - 1];
  };
  return samples.empty() ? Figures{} : Figures{rank(0.50), rank(0.99), samples.back()};
}

class PropagationTest : public SidecarTest {
 protected:
  void measure(const std::string& label, const std::string& store_url, uint32_t refresh_interval_ms, int rounds);
};

void PropagationTest::measure(const std::string& label, const std::string& store_url, uint32_t refresh_interval_ms,
                              int rounds) {
  MemcachedServer backend;
  SidecarOptions options;
  options.backends = {backend.address()};
  options.caches = {{"prop", {"p:*"}}};
  options.store_url = store_url;
  options.refresh_interval_ms = refresh_interval_ms;
  ProxyProcess* a = startSidecar(options);
  ASSERT_NE(a, nullptr);
  ProxyProcess* b = startSidecar(options);
  ASSERT_NE(b, nullptr);
  // Two connections to B, used in turn, so both of its workers are sampled.
  TextClient b0(b->port());
  TextClient b1(b->port());

  std::vector<double> samples;
  int lost = 0;
  // A polled store: without a random start, each round would begin just after B's previous poll
  // (the loop locks onto B's timer) and always measure the full interval.
  std::mt19937 random(12345);
  std::uniform_int_distribution<uint32_t> phase(0, refresh_interval_ms ? refresh_interval_ms - 1 : 0);
  for (int i = 0; i < rounds; ++i) {
    TextClient& client = i % 2 ? b1 : b0;
    const std::string key = "p:" + std::to_string(i);
    ASSERT_EQ(mcSet(client, key, "value-" + std::to_string(i)), "STORED");
    const GetResult before = mcGet(client, key);
    ASSERT_TRUE(before.hit) << "round " << i << ": B does not read back its own write: " << before.error;

    if (refresh_interval_ms) std::this_thread::sleep_for(std::chrono::milliseconds(phase(random)));
    const AdminReply answer = adminCall(a->adminPort(), "POST", "/caches/prop/invalidate");
    ASSERT_EQ(answer.status, 200) << "round " << i << ": " << answer.describe();
    const auto took = pollUntil(kGiveUp, [&] {
      const GetResult read = mcGet(client, key);
      EXPECT_TRUE(read.error.empty()) << read.error;
      return !read.hit;
    });
    if (took) {
      samples.push_back(toMs(*took));
    } else {
      ++lost;
    }
  }
  const Figures figures = figuresOf(samples);
  char line[256];
  std::snprintf(line, sizeof line, "PROPAGATION %s: p50=%.2f p99=%.2f max=%.2f ms over %zu", label.c_str(), figures.p50,
                figures.p99, figures.max, samples.size());
  std::cout << line << (lost ? " (" + std::to_string(lost) + " lost: over 3000 ms)" : std::string()) << std::endl;
  RecordProperty("propagation_p50_ms", std::to_string(figures.p50));
  RecordProperty("propagation_p99_ms", std::to_string(figures.p99));
  RecordProperty("propagation_max_ms", std::to_string(figures.max));

  EXPECT_EQ(lost, 0) << "invalidations B never applied within " << kGiveUp.count() << " ms";
  EXPECT_LT(figures.p99, kP99BoundMs) << line;
}

TEST_F(PropagationTest, RedisPubSub) {
  RedisServer store;
  measure("redis", "redis://" + store.address() + "/0", 0, 100);
}

TEST_F(PropagationTest, MemcachedPolling) {
  MemcachedServer store;
  measure("memcached (refresh_interval_ms 200)", "memcache://" + store.address(), 200, 30);
}

}  // namespace
}  // namespace vcproxy::test
