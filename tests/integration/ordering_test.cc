// Many clients pipelining through one proxy (whose upstream connections are shared): every client
// gets exactly its own replies, in the order of its requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/admin_http.h"
#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

constexpr int kClients = 32;
constexpr int kPairsPerClient = 200;

std::string keyOf(int client, int seq) { return "ord:" + std::to_string(client) + ":" + std::to_string(seq); }

// Lengths vary so that replies of different sizes interleave upstream.
std::string valueOf(int client, int seq) {
  return "client=" + std::to_string(client) + ";seq=" + std::to_string(seq) + ";" +
         std::string(static_cast<size_t>((client * 7 + seq * 13) % 300), 'x');
}

// Returns an empty string when every reply matched, otherwise the first mismatch.
std::string runClient(uint16_t port, int id) {
  try {
    TextClient client(port, std::chrono::seconds(10));
    std::string requests;
    for (int seq = 0; seq < kPairsPerClient; ++seq) {
      std::string value = valueOf(id, seq);
      requests += "set " + keyOf(id, seq) + " " + std::to_string(seq) + " 0 " + std::to_string(value.size()) +
                  "\r\n" + value + "\r\n";
      requests += "get " + keyOf(id, seq) + "\r\n";
    }
    if (auto sent = client.send(requests); !sent) return sent.message();  // one write: the whole pipeline

    for (int seq = 0; seq < kPairsPerClient; ++seq) {
      std::string value = valueOf(id, seq);
      std::string want = "STORED\r\nVALUE " + keyOf(id, seq) + " " + std::to_string(seq) + " " +
                         std::to_string(value.size()) + "\r\n" + value + "\r\nEND\r\n";
      ReadResult got = client.readExactly(want.size());
      if (!(got == want)) {
        return "client " + std::to_string(id) + " request " + std::to_string(seq) + ":\n want " +
               testing::PrintToString(ReadResult{want, {}}) + "\n got  " + testing::PrintToString(got);
      }
    }
    return {};
  } catch (const std::exception& e) {
    return "client " + std::to_string(id) + ": " + e.what();
  }
}

using OrderingTest = MemcacheProxyTest;

TEST_F(OrderingTest, PipelinedRepliesReachTheirClientInOrder) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));

  std::vector<std::string> errors(kClients);
  std::vector<std::thread> threads;
  for (int id = 0; id < kClients; ++id) {
    threads.emplace_back([&errors, port = proxyPort(), id] { errors[id] = runClient(port, id); });
  }
  for (auto& thread : threads) thread.join();

  for (int id = 0; id < kClients; ++id) EXPECT_TRUE(errors[id].empty()) << errors[id];
}

// Values around and far above the size from which vcproxy sends a value from the buffer it read it
// into rather than copying it (4 KiB), mixed with small ones, so that lent and copied parts alternate
// in one write and blocks stay lent while later replies arrive.
constexpr size_t kLargeSizes[] = {100, 4095, 4096, 4097, 70000, 300000, 900000, 7};

std::string largeValueOf(int client, size_t size) {
  std::string value(size, static_cast<char>('a' + client));
  for (size_t i = 0; i < size; i += 1000) value[i] = static_cast<char>('0' + (i / 1000) % 10);
  return value;
}

// Each client pipelines, in one go: a set, a get and a meta get of every size, then one get of all
// its keys; it reads while it sends (the replies are larger than socket buffers).
std::string runLargeValuesClient(uint16_t port, int id) {
  try {
    TextClient client(port, std::chrono::seconds(20));
    std::string requests;
    std::string want;
    std::string all_keys;
    std::string all_values;
    for (size_t size : kLargeSizes) {
      const std::string key = "large:" + std::to_string(id) + ":" + std::to_string(size);
      const std::string value = largeValueOf(id, size);
      const std::string block = std::to_string(size) + "\r\n" + value + "\r\n";
      requests += "set " + key + " 5 0 " + block + "get " + key + "\r\nmg " + key + " v k\r\n";
      want += "STORED\r\nVALUE " + key + " 5 " + block + "END\r\nVA " + std::to_string(size) + " k" + key +
              "\r\n" + value + "\r\n";
      all_keys += " " + key;
      all_values += "VALUE " + key + " 5 " + block;
    }
    requests += "get" + all_keys + "\r\n";
    want += all_values + "END\r\n";
    testing::AssertionResult sent = testing::AssertionSuccess();
    std::thread sender([&] { sent = client.send(requests); });
    ReadResult got = client.readExactly(want.size());
    sender.join();
    if (!sent) return "client " + std::to_string(id) + ": " + sent.message();
    if (got == want) return {};
    if (!got.ok()) return "client " + std::to_string(id) + ": " + got.error;
    const auto diff = std::mismatch(want.begin(), want.end(), got.data.begin(), got.data.end()).first - want.begin();
    return "client " + std::to_string(id) + ": first difference at byte " + std::to_string(diff) + ": want " +
           visibleBytes(want.substr(diff, 80)) + ", got " + visibleBytes(got.data.substr(diff, 80));
  } catch (const std::exception& e) {
    return "client " + std::to_string(id) + ": " + e.what();
  }
}

TEST_F(OrderingTest, LargeValuesReachTheirClientWholeAndInOrder) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
  constexpr int kLargeClients = 6;
  std::vector<std::string> errors(kLargeClients);
  std::vector<std::thread> threads;
  for (int id = 0; id < kLargeClients; ++id) {
    threads.emplace_back([&errors, port = proxyPort(), id] { errors[id] = runLargeValuesClient(port, id); });
  }
  for (auto& thread : threads) thread.join();
  for (int id = 0; id < kLargeClients; ++id) EXPECT_TRUE(errors[id].empty()) << errors[id];

  // Every data block of 4 KiB or more ("\r\n" included) left without being copied: 3 times per client.
  uint64_t lent = 0;
  for (size_t size : kLargeSizes) lent += size + 2 >= 4096 ? size + 2 : 0;
  const AdminReply metrics = adminGet(proxy()->adminPort(), "/metrics");
  const std::string name = "vcproxy_backend_zero_copy_bytes_total{";
  const size_t at = metrics.body.find(name);
  ASSERT_NE(at, std::string::npos) << metrics.body.substr(0, 2000);
  const size_t value = metrics.body.find("} ", at) + 2;
  EXPECT_EQ(std::stoull(metrics.body.substr(value)), lent * 3 * kLargeClients);
}

}  // namespace
}  // namespace vcproxy::test
