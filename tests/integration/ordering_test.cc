// Many clients pipelining through one proxy (whose upstream connections are shared): every client
// gets exactly its own replies, in the order of its requests.
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace vcproxy::test
