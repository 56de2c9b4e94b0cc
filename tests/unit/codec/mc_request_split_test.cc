// Feeding a pipeline of requests whole, one byte at a time or in random chunks (fixed seeds)
// must decode to exactly the same sequence: kNeedMore until a request is complete, then the
// same request, answer, skip and close.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::codec {
namespace {

using test::decodeStream;
using test::Decoded;
using test::escape;
using test::splitEvery;
using test::splitRandomly;
using namespace std::string_literals;

constexpr McLimits kLimits{.max_value_bytes = 64, .max_line_bytes = 4096};

// Each entry is one request of the pipeline and the first token (or reply) expected for it.
struct Step {
  std::string bytes;
  std::string expect;  // kRequest: verb token; kAnswer: reply (escaped)
};

std::vector<Step> pipeline() {
  const std::string big(100, 'x');
  return {
      {"get a\r\n", "get"},
      {"gets a b c\r\n", "gets"},
      {"gat 10 a\r\n", "gat"},
      {"set a 0 0 5\r\nhello\r\n", "set"},
      {"set b 0 0 10 noreply\r\nget x\r\nEND\r\n", "set"},
      {"add c 1 2 0\r\n\r\n", "add"},
      {"cas d 0 0 1 99\r\n\x80\r\n"s, "cas"},
      {"bogus\r\n", "ERROR\\r\\n"},
      {"delete a\r\n", "delete"},
      {"delete a 5\r\n", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\\r\\n"},
      // Too large: refused, and its block (which looks like commands) skipped.
      {"set big 0 0 100\r\n" + big.substr(0, 40) + "\r\nget evil\r\n" + big.substr(0, 48) + "\r\n",
       "SERVER_ERROR object too large for cache\\r\\n"},
      {"incr n 1\r\n", "incr"},
      {"decr n 1 noreply\r\n", "decr"},
      {"touch a 0\n", "touch"},
      {"set a 0 0 2\r\nhiXX", "CLIENT_ERROR bad data chunk\\r\\n"},
      {"\r\n", "ERROR\\r\\n"},
      {"mg a v k\r\n", "mg"},
      {"mn\r\n", "MN\\r\\n"},
      {"ms a 3 q T0\r\nabc\r\n", "ms"},
      {"md a q\r\n", "md"},
      {"ma n v\r\n", "ma"},
      {"me a\r\n", "me"},
      {"mg a2V5 b v\r\n", "mg"},
      {"flush_all 0\r\n", "flush_all"},
      {"stats\r\n", "stats"},
      {"version\r\n", "version"},
      {"verbosity 1 noreply\r\n", ""},
      {"get " + std::string(251, 'k') + "\r\n", "CLIENT_ERROR bad command line format\\r\\n"},
      {"quit\r\n", ""},
  };
}

std::string joined(const std::vector<Step>& steps) {
  std::string all;
  for (const auto& step : steps) all += step.bytes;
  return all + "get after_quit\r\n";  // never decoded: the connection closes at quit
}

std::string describe(const Decoded& d) {
  return d.status == McDecodeStatus::kRequest ? d.tokens.at(0) : escape(d.reply);
}

TEST(McRequestSplitTest, WholePipelineDecodesEveryRequestInOrder) {
  const auto steps = pipeline();
  const std::string all = joined(steps);
  const auto results = decodeStream({all}, kLimits);
  ASSERT_EQ(results.size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(describe(results[i]), steps[i].expect) << "step " << i << ": " << escape(steps[i].bytes);
  }
  EXPECT_TRUE(results.back().close);
  EXPECT_EQ(results[4].value, "get x\r\nEND");
  EXPECT_EQ(results[6].value, "\x80");
}

TEST(McRequestSplitTest, ByteAtATimeGivesTheSameResults) {
  const std::string all = joined(pipeline());
  EXPECT_EQ(decodeStream(splitEvery(all, 1), kLimits), decodeStream({all}, kLimits));
}

TEST(McRequestSplitTest, FixedChunkSizesGiveTheSameResults) {
  const std::string all = joined(pipeline());
  const auto whole = decodeStream({all}, kLimits);
  for (const size_t size : {2u, 3u, 5u, 7u, 13u, 64u, 1000u}) {
    EXPECT_EQ(decodeStream(splitEvery(all, size), kLimits), whole) << "chunks of " << size;
  }
}

TEST(McRequestSplitTest, RandomSplitsGiveTheSameResults) {
  const std::string all = joined(pipeline());
  const auto whole = decodeStream({all}, kLimits);
  for (unsigned seed = 1; seed <= 200; ++seed) {
    ASSERT_EQ(decodeStream(splitRandomly(all, seed, 1 + seed % 40), kLimits), whole) << "seed " << seed;
  }
}

// Every single request, fed byte by byte into a fresh decoder: kNeedMore on every strict prefix,
// then the same result as the whole request.
TEST(McRequestSplitTest, EachRequestByteAtATime) {
  for (const auto& step : pipeline()) {
    const auto whole = test::decodeOne(step.bytes, kLimits);
    ASSERT_NE(whole.status, McDecodeStatus::kNeedMore) << escape(step.bytes);
    for (size_t n = 0; n < whole.consumed; ++n) {
      ASSERT_EQ(test::decodeOne(std::string_view(step.bytes).substr(0, n), kLimits).status,
                McDecodeStatus::kNeedMore)
          << escape(step.bytes) << " cut at " << n;
    }
    auto at_end = test::decodeOne(std::string_view(step.bytes).substr(0, whole.consumed), kLimits);
    EXPECT_EQ(at_end, whole) << escape(step.bytes);
  }
}

// A skip larger than everything received so far keeps swallowing across later reads.
TEST(McRequestSplitTest, SkipSpansManyReads) {
  const McLimits limits{.max_value_bytes = 8, .max_line_bytes = 256};
  std::string all = "set k 0 0 1000\r\n";
  for (int i = 0; i < 100; ++i) all += "get trap\r\n";  // exactly 1000 bytes of data
  all += "\r\nget k\r\n";
  const auto results = decodeStream(splitEvery(all, 7), limits);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].skip, 1002u);
  EXPECT_EQ(results[1].keys, std::vector<std::string>{"k"});
}

}  // namespace
}  // namespace vcproxy::codec
