// Requests the proxy answers itself: memcached 1.6.18's own error replies (checked against a real
// memcached), noreply silencing text errors, meta errors shown even with q, refused data blocks
// skipped, and the proxy's own refusals (control bytes in keys, binary protocol, long lines).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::codec {
namespace {

using test::decodeOne;
using test::escape;
using namespace std::string_literals;

constexpr char kError[] = "ERROR\r\n";
constexpr char kBadFormat[] = "CLIENT_ERROR bad command line format\r\n";
constexpr char kBadChunk[] = "CLIENT_ERROR bad data chunk\r\n";
constexpr char kTooLarge[] = "SERVER_ERROR object too large for cache\r\n";
constexpr char kBadExptime[] = "CLIENT_ERROR invalid exptime argument\r\n";
constexpr char kBadDelta[] = "CLIENT_ERROR invalid numeric delta argument\r\n";
constexpr char kDeleteUsage[] = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n";
constexpr char kBadBase64[] = "CLIENT_ERROR error decoding key\r\n";
constexpr char kControl[] = "CLIENT_ERROR key contains control characters or spaces\r\n";
constexpr char kUnsupported[] = "CLIENT_ERROR command not supported by vcproxy\r\n";
constexpr size_t kWholeInput = static_cast<size_t>(-1);  // consumed = the whole input
constexpr size_t kLineOnly = static_cast<size_t>(-2);    // consumed = the first line

struct AnswerCase {
  std::string name;
  std::string input;
  std::string reply;           // "" = silent
  size_t consumed = kWholeInput;
  size_t skip = 0;
  bool close = false;
};

std::ostream& operator<<(std::ostream& os, const AnswerCase& c) { return os << escape(c.input); }

const std::string kKey251(251, 'k');
// 336 base64 characters that decode to 252 bytes: longer than a key may be.
const std::string kBase64Of252 = std::string(336, 'A');

std::vector<AnswerCase> answerCases() {
  return {
      // unknown or empty commands
      {"Unknown", "foo bar\r\n", kError},
      {"EmptyLine", "\r\n", kError},
      {"BareNewline", "\n", kError},
      {"OnlySpaces", "   \r\n", kError},
      {"VerbsAreCaseSensitive", "GET k\r\n", kError},
      {"UnknownWithNoreply", "foo noreply\r\n", kError},
      {"UnsupportedLruCrawler", "lru_crawler metadump all\r\n", kUnsupported},
      {"UnsupportedWatch", "watch fetchers\r\n", kUnsupported},
      {"UnsupportedShutdown", "shutdown\r\n", kUnsupported},
      {"UnsupportedSlabs", "slabs reassign 1 2\r\n", kUnsupported},
      // retrieval
      {"GetNoKey", "get\r\n", kError},
      {"GetsNoKey", "gets \r\n", kError},
      {"GatNoArguments", "gat\r\n", kError},
      {"GatNoKey", "gat 10\r\n", "END\r\n"},
      {"GatBadExptime", "gat abc k\r\n", kBadExptime},
      {"GatBadExptimeNoKey", "gat abc\r\n", kBadExptime},
      {"GatsBadExptime", "gats 1x k\r\n", kBadExptime},
      {"GetKeyTooLong", "get " + kKey251 + "\r\n", kBadFormat},
      {"GetSecondKeyTooLong", "get a " + kKey251 + "\r\n", kBadFormat},
      {"GatKeyTooLong", "gat 1 " + kKey251 + "\r\n", kBadFormat},
      {"GetControlByte", "get a\x01z\r\n", kControl},
      {"GetDel", "get a\x7f\r\n", kControl},
      {"GetTab", "get a\tb\r\n", kControl},
      {"GetInnerCr", "get a\rb\r\n", kControl},
      {"GetTrailingExtraCr", "get a\r\r\n", kControl},
      // storage
      {"SetTooFewTokens", "set k 0 0\r\n", kError},
      {"SetTooManyTokens", "set k 0 0 1 noreply x\r\n", kError},
      {"CasTooFewTokens", "cas k 0 0 1\r\n", kError},
      {"SetBadLength", "set k 0 0 abc\r\n", kBadFormat},
      {"SetNegativeLength", "set k 0 0 -1\r\n", kBadFormat},
      {"SetBadFlags", "set k abc 0 5\r\nhello\r\n", kBadFormat, kLineOnly, 7},
      {"SetNegativeFlags", "set k -1 0 5\r\nhello\r\n", kBadFormat, kLineOnly, 7},
      {"SetFlagsOverflow", "set k 4294967296 0 1\r\nx\r\n", kBadFormat, kLineOnly, 3},
      {"SetBadExptime", "set k 0 x 5\r\nhello\r\n", kBadFormat, kLineOnly, 7},
      {"CasBadCas", "cas k 0 0 5 abc\r\nhello\r\n", kBadFormat, kLineOnly, 7},
      {"SetBadFlagsNoreply", "set k x 0 5 noreply\r\nhello\r\n", "", kLineOnly, 7},
      {"SetKeyTooLong", "set " + kKey251 + " 0 0 1\r\nx\r\n", kBadFormat, kLineOnly, 3},
      {"SetControlKey", "set a\x02 0 0 1\r\nx\r\n", kControl, kLineOnly, 3},
      {"SetBadDataChunk", "set k 0 0 5\r\nhelloXX", kBadChunk},
      {"SetBadDataChunkBareNewline", "set k 0 0 1\r\nx\n\n", kBadChunk},
      {"SetBadDataChunkNoreply", "set k 0 0 5 noreply\r\nhelloXX", ""},
      {"CasBadDataChunk", "cas k 0 0 1 1\r\nxyz", kBadChunk},
      // one key, one line
      {"DeleteNoKey", "delete\r\n", kError},
      {"DeleteTooManyTokens", "delete k 0 noreply x\r\n", kError},
      {"DeleteNonZeroHold", "delete k 5\r\n", kDeleteUsage},
      {"DeleteNonZeroHoldNoreply", "delete k 5 noreply\r\n", ""},
      {"DeleteJunkTokens", "delete k x y\r\n", kDeleteUsage},
      {"DeleteKeyTooLong", "delete " + kKey251 + "\r\n", kBadFormat},
      {"DeleteControlKey", "delete \x1b[0m\r\n", kControl},
      {"IncrNoDelta", "incr k\r\n", kError},
      {"IncrTooManyTokens", "incr k 1 2 3\r\n", kError},
      {"IncrBadDelta", "incr k abc\r\n", kBadDelta},
      {"IncrNegativeDelta", "incr k -1\r\n", kBadDelta},
      {"IncrDeltaOverflow", "incr k 18446744073709551616\r\n", kBadDelta},
      {"DecrBadDeltaNoreply", "decr k abc noreply\r\n", ""},
      {"IncrControlKey", "incr a\x7f 1\r\n", kControl},
      {"TouchNoExptime", "touch k\r\n", kError},
      {"TouchBadExptime", "touch k abc\r\n", kBadExptime},
      {"TouchBadExptimeNoreply", "touch k abc noreply\r\n", ""},
      // no key
      {"FlushAllBadDelay", "flush_all abc\r\n", kBadExptime},
      {"FlushAllBadDelayNoreply", "flush_all abc noreply\r\n", ""},
      {"FlushAllTooManyTokens", "flush_all 1 2 3\r\n", kError},
      {"VerbosityNoLevel", "verbosity\r\n", kError},
      // verbosity is answered by the proxy: a client must not change a shared backend's log level
      {"Verbosity", "verbosity 1\r\n", "OK\r\n"},
      {"VerbosityIgnoresASecondArgument", "verbosity 1 2\r\n", "OK\r\n"},
      {"VerbosityBadLevel", "verbosity foo\r\n", kBadFormat},
      {"VerbosityNoreply", "verbosity 1 noreply\r\n", ""},
      {"VerbosityTooManyTokens", "verbosity foo bar my\r\n", kError},
      {"Quit", "quit\r\n", "", kWholeInput, 0, true},
      {"QuitWithArguments", "quit now\r\n", "", kWholeInput, 0, true},
      // meta
      {"MetaNoop", "mn\r\n", "MN\r\n"},
      {"MetaNoopIgnoresFlags", "mn O1 q\r\n", "MN\r\n"},
      {"MetaGetNoKey", "mg\r\n", kError},
      {"MetaDeleteNoKey", "md\r\n", kError},
      {"MetaArithmeticNoKey", "ma\r\n", kError},
      {"MetaGetKeyTooLong", "mg " + kKey251 + " v\r\n", kBadFormat},
      {"MetaGetKeyTooLongQuiet", "mg " + kKey251 + " q v\r\n", kBadFormat},
      {"MetaGetControlKey", "mg k\x01 v\r\n", kControl},
      {"MetaGetBadBase64", "mg a b v\r\n", kBadBase64},
      {"MetaGetBadBase64Quiet", "mg a!== b q\r\n", kBadBase64},
      {"MetaGetBase64KeyTooLong", "mg " + kBase64Of252 + " b\r\n", kBadFormat},
      {"MetaSetNoLength", "ms k\r\n", kBadFormat},
      {"MetaSetBadLength", "ms k abc\r\n", kBadFormat},
      {"MetaSetNegativeLength", "ms k -1\r\n", kBadFormat},
      {"MetaSetKeyTooLong", "ms " + kKey251 + " 2\r\nhi\r\n", kBadFormat, kLineOnly, 4},
      {"MetaSetBadBase64", "ms !!!! 5 b\r\nhello\r\n", kBadBase64, kLineOnly, 7},
      {"MetaSetBadDataChunk", "ms k 5\r\nhelloXX", kBadChunk},
      {"MetaSetBadDataChunkQuiet", "ms k 5 q\r\nhelloXX", kBadChunk},
      {"MetaDebugControlKey", "me k\x01\r\n", kControl},
  };
}

size_t expectedConsumed(const AnswerCase& c) {
  if (c.consumed == kWholeInput) return c.input.size();
  if (c.consumed == kLineOnly) return c.input.find('\n') + 1;
  return c.consumed;
}

class AnswerTest : public testing::TestWithParam<AnswerCase> {};

TEST_P(AnswerTest, AnswersLikeMemcached) {
  const AnswerCase& c = GetParam();
  const auto d = decodeOne(c.input);
  ASSERT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_EQ(escape(d.reply), escape(c.reply));
  EXPECT_EQ(d.consumed, expectedConsumed(c));
  EXPECT_EQ(d.skip, c.skip);
  EXPECT_EQ(d.close, c.close);
}

TEST_P(AnswerTest, EveryStrictPrefixNeedsMore) {
  const AnswerCase& c = GetParam();
  for (size_t n = 0; n < expectedConsumed(c); ++n) {
    ASSERT_EQ(decodeOne(std::string_view(c.input).substr(0, n)).status, McDecodeStatus::kNeedMore)
        << "prefix of " << n << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(McRequest, AnswerTest, testing::ValuesIn(answerCases()),
                         [](const auto& test_case) { return test_case.param.name; });

// Limits: a value over max_value_bytes is refused and its block skipped, even when it has not
// arrived yet; the skip may be far larger than the input.
TEST(McRequestLimitsTest, ValueTooLargeIsSkipped) {
  const McLimits limits{.max_value_bytes = 10, .max_line_bytes = 1024};
  const auto d = decodeOne("set k 0 0 11\r\n", limits);
  EXPECT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_EQ(d.reply, kTooLarge);
  EXPECT_EQ(d.consumed, 14u);
  EXPECT_EQ(d.skip, 13u);
  const auto fits = decodeOne("set k 0 0 10\r\n0123456789\r\n", limits);
  EXPECT_EQ(fits.status, McDecodeStatus::kRequest);
}

TEST(McRequestLimitsTest, ValueTooLargeNoreplyIsSilentButStillSkipped) {
  const auto d = decodeOne("append k 0 0 2000000 noreply\r\n");
  EXPECT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_EQ(d.reply, "");
  EXPECT_EQ(d.skip, 2000002u);
}

TEST(McRequestLimitsTest, MetaSetTooLargeIsShownEvenQuiet) {
  const McLimits limits{.max_value_bytes = 4, .max_line_bytes = 1024};
  const auto d = decodeOne("ms k 5 q\r\nhello\r\n", limits);
  EXPECT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_EQ(d.reply, kTooLarge);
  EXPECT_EQ(d.consumed, 10u);
  EXPECT_EQ(d.skip, 7u);
}

TEST(McRequestLimitsTest, LineTooLongClosesTheConnection) {
  const McLimits limits{.max_value_bytes = 100, .max_line_bytes = 16};
  const std::string exactly = "get 0123456789ab\r";  // 17 bytes before '\n'
  EXPECT_EQ(decodeOne("get 0123456789a\r\n", limits).status, McDecodeStatus::kRequest);
  const auto unterminated = decodeOne("get 0123456789abcdef", limits);
  EXPECT_EQ(unterminated.status, McDecodeStatus::kAnswer);
  EXPECT_TRUE(unterminated.close);
  EXPECT_EQ(unterminated.reply, "CLIENT_ERROR line too long\r\n");
  EXPECT_EQ(unterminated.consumed, 20u);
  const auto terminated = decodeOne(exactly + "\nget k\r\n", limits);
  EXPECT_EQ(terminated.status, McDecodeStatus::kAnswer);
  EXPECT_TRUE(terminated.close);
  // Up to the limit, an unterminated line is just incomplete.
  EXPECT_EQ(decodeOne("get 0123456789ab", limits).status, McDecodeStatus::kNeedMore);
}

TEST(McRequestLimitsTest, BinaryProtocolIsRefusedAndClosed) {
  const std::string get_request = "\x80\x00\x00\x01\x00\x00\x00\x00"s + std::string(16, '\0') + "k";
  const auto d = decodeOne(get_request);
  EXPECT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_TRUE(d.close);
  EXPECT_EQ(d.consumed, get_request.size());
  EXPECT_TRUE(d.reply.starts_with("CLIENT_ERROR the binary protocol is not supported"));
  EXPECT_TRUE(d.reply.ends_with("\r\n"));
  // The magic byte matters only at the start of a request.
  EXPECT_EQ(decodeOne("get \x80\r\n").status, McDecodeStatus::kRequest);
}

}  // namespace
}  // namespace vcproxy::codec
