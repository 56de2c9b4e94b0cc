#include "proxy/codec/resp_request.h"

#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "proxy/codec/resp_encode.h"
#include "tests/unit/codec/resp_alloc_probe.h"

namespace vcproxy::codec {
namespace {

using namespace std::string_literals;

// What a client sees of one decode step; args are copied because the buffer moves on.
struct Event {
  RespDecodeStatus status;
  std::vector<std::string> args;
  std::string reply;
  bool operator==(const Event&) const = default;
};

void PrintTo(const Event& e, std::ostream* os) {
  *os << "{status " << static_cast<int>(e.status) << ", args [";
  for (const auto& a : e.args) *os << testing::PrintToString(a) << " ";
  *os << "], reply " << testing::PrintToString(e.reply) << "}";
}

Event request(std::vector<std::string> args) { return {RespDecodeStatus::kRequest, std::move(args), ""}; }
Event empty() { return {RespDecodeStatus::kEmpty, {}, ""}; }
Event error(std::string reply) { return {RespDecodeStatus::kError, {}, std::move(reply)}; }

// Feeds `input` in chunks of the given sizes the way a connection does: append, decode until
// need-more, drop what was consumed (so the buffer moves under the decoder between calls).
std::vector<Event> feed(std::string_view input, const std::vector<size_t>& chunks, RespLimits limits = {}) {
  RespRequestDecoder decoder(limits);
  RespRequest req;
  std::string buffer;
  std::vector<Event> events;
  size_t offset = 0;
  for (size_t chunk : chunks) {
    buffer.append(input.substr(offset, chunk));
    offset += chunk;
    while (true) {
      const RespDecodeResult r = decoder.decode(buffer, req);
      if (r.status == RespDecodeStatus::kNeedMore) break;
      if (r.status == RespDecodeStatus::kError) {
        EXPECT_TRUE(r.close);
        events.push_back(error(std::string(r.reply)));
        return events;
      }
      Event e{r.status, {}, ""};
      if (r.status == RespDecodeStatus::kRequest) e.args.assign(req.args.begin(), req.args.end());
      events.push_back(e);
      EXPECT_GT(r.consumed, 0u);
      buffer.erase(0, r.consumed);
    }
  }
  return events;
}

std::vector<Event> decodeWhole(std::string_view input, RespLimits limits = {}) {
  return feed(input, {input.size()}, limits);
}

std::vector<Event> decodeByteAtATime(std::string_view input, RespLimits limits = {}) {
  return feed(input, std::vector<size_t>(input.size(), 1), limits);
}

std::vector<size_t> randomSplit(size_t size, std::mt19937& rng) {
  std::vector<size_t> chunks;
  std::uniform_int_distribution<size_t> len(1, 40);
  for (size_t left = size; left > 0;) {
    const size_t n = std::min(left, len(rng));
    chunks.push_back(n);
    left -= n;
  }
  return chunks;
}

// The replies of redis-server 7.0.15 (sent with printf | nc and checked byte for byte).
const std::string kInvalidMultibulk = "-ERR Protocol error: invalid multibulk length\r\n";
const std::string kInvalidBulk = "-ERR Protocol error: invalid bulk length\r\n";
const std::string kTooBigInline = "-ERR Protocol error: too big inline request\r\n";
const std::string kTooBigCount = "-ERR Protocol error: too big mbulk count string\r\n";
const std::string kTooBigBulkCount = "-ERR Protocol error: too big bulk count string\r\n";
const std::string kUnbalanced = "-ERR Protocol error: unbalanced quotes in request\r\n";

std::string corpus() {
  return "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
         "*0\r\n"
         "*-1\r\n"
         "PING\r\n"
         "\r\n"
         "SET k \"a b\\x41\" 'c\\'d'\n"
         "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\r\n\r\n"  // an argument holding CRLF
         "*1\r\n$4\r\nPINGxx"                        // Redis does not check a bulk's CRLF
         "   \t \r\n"
         "GET\tk\r\n"
         "*2\r\n$4\r\nECHO\r\n$100000\r\n" +
         std::string(100000, 'x') + "\r\n" + "*1\r\n$0\r\n\r\n";
}

std::vector<Event> corpusEvents() {
  return {request({"SET", "k", "hello"}), empty(), empty(), request({"PING"}), empty(),
          request({"SET", "k", "a bA", "c'd"}), request({"ECHO", "a\r\nb\r\n"}), request({"PING"}), empty(),
          request({"GET", "k"}), request({"ECHO", std::string(100000, 'x')}), request({""})};
}

TEST(RespRequestTest, DecodesMultibulkAsViewsIntoTheInput) {
  const std::string input = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*1\r\n$4\r\nPING\r\n";
  RespRequestDecoder decoder;
  RespRequest req;
  const RespDecodeResult r = decoder.decode(input, req);
  ASSERT_EQ(r.status, RespDecodeStatus::kRequest);
  EXPECT_EQ(r.consumed, 22u);
  ASSERT_EQ(req.args.size(), 2u);
  EXPECT_EQ(req.args[1], "key");
  EXPECT_EQ(req.args[1].data(), input.data() + 17);  // no copy
  EXPECT_FALSE(req.is_inline);
  const RespDecodeResult next = decoder.decode(std::string_view(input).substr(r.consumed), req);
  ASSERT_EQ(next.status, RespDecodeStatus::kRequest);
  EXPECT_EQ(req.args, std::vector<std::string_view>{"PING"});
}

TEST(RespRequestTest, CorpusWhole) { EXPECT_EQ(decodeWhole(corpus()), corpusEvents()); }

TEST(RespRequestTest, CorpusByteAtATimeEqualsWhole) { EXPECT_EQ(decodeByteAtATime(corpus()), corpusEvents()); }

TEST(RespRequestTest, CorpusRandomSplitsEqualWhole) {
  std::mt19937 rng(20240601);
  const std::string input = corpus();
  for (int round = 0; round < 50; ++round) {
    ASSERT_EQ(feed(input, randomSplit(input.size(), rng)), corpusEvents()) << "round " << round;
  }
}

TEST(RespRequestTest, ProtocolErrorsHaveRedisText) {
  struct Case {
    std::string input;
    std::string reply;
  };
  const std::vector<Case> cases = {
      {"*x\r\n", kInvalidMultibulk},
      {"*\r\n", kInvalidMultibulk},
      {"*-0\r\n", kInvalidMultibulk},
      {"*01\r\n", kInvalidMultibulk},
      {"*+1\r\n", kInvalidMultibulk},
      {"*1 \r\n", kInvalidMultibulk},
      {"*2147483648\r\n", kInvalidMultibulk},
      {"*1\n$4\r\nPING\r\n", kInvalidMultibulk},  // the count line runs to the first '\r'
      {"*" + std::string(30, '1') + "\r\n", kInvalidMultibulk},
      {"*1\r\n$-1\r\n", kInvalidBulk},
      {"*1\r\n$x\r\n", kInvalidBulk},
      {"*1\r\n$\r\n", kInvalidBulk},
      {"*1\r\n$536870913\r\n", kInvalidBulk},
      {"*1\r\nX\r\n", "-ERR Protocol error: expected '$', got 'X'\r\n"},
      {"*2\r\n$1\r\na\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
      {"*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},   // CR shown as a space
      {"*1\r\n\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},  // LF too
      {"*1\r\n\xff\r\n", "-ERR Protocol error: expected '$', got '\xff'\r\n"},
      {"\"unbalanced\r\n", kUnbalanced},
      {"'unbalanced\r\n", kUnbalanced},
      {"ECHO \"a\"b\r\n", kUnbalanced},
      {"ECHO a\"b c\"d\r\n", kUnbalanced},
      {std::string(70000, 'A'), kTooBigInline},
      {"PING\0"s + std::string(70000, 'A') + "\r\n", kTooBigInline},  // NUL hides the line end
      {"*" + std::string(70000, '1'), kTooBigCount},
      {"*1\r\n$" + std::string(70000, '1'), kTooBigBulkCount},
      {"*1\r\n$\0"s + std::string(70000, '1') + "\r\n", kTooBigBulkCount},
  };
  for (const Case& c : cases) {
    const std::vector<Event> expected = {error(c.reply)};
    EXPECT_EQ(decodeWhole(c.input), expected) << testing::PrintToString(c.input.substr(0, 40));
    EXPECT_EQ(decodeByteAtATime(c.input), expected) << testing::PrintToString(c.input.substr(0, 40));
  }
}

TEST(RespRequestTest, ErrorComesAfterTheRequestsBeforeIt) {
  const std::string input = "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nX\r\n*1\r\n$4\r\nPING\r\n";
  const std::vector<Event> expected = {request({"PING"}), request({"PING"}),
                                       error("-ERR Protocol error: expected '$', got 'X'\r\n")};
  EXPECT_EQ(decodeWhole(input), expected);
  EXPECT_EQ(decodeByteAtATime(input), expected);
}

TEST(RespRequestTest, IncompleteHeadersWait) {
  for (std::string input : {"*", "*1", "*1\r", "*1\r\n", "*1\r\n$", "*1\r\n$4\r", "*1\r\n$4\r\nPI", "*1\r\n$4\r\nPING\r",
                            "*1\r\nX", "*1\r\nX\r", "PING", "PING\r", "\"unbalanced"}) {
    EXPECT_TRUE(decodeWhole(input).empty()) << input;
  }
}

TEST(RespRequestTest, NulBeforeALineEndWaitsLikeRedis) {
  // redis-server scans lines with strchr: these never complete, short of the size limit.
  for (std::string input : {"PING\0\r\n"s, "*1\0\r\n$4\r\nPING\r\n"s, "*1\r\n\0\r\n"s, "*1\r\n$4\0\r\nPING\r\n"s}) {
    EXPECT_TRUE(decodeWhole(input).empty()) << testing::PrintToString(input);
  }
}

TEST(RespRequestTest, HeaderLineTakesAnyByteAfterCr) {
  EXPECT_EQ(decodeWhole("*1\rx$4\rxPINGxx"), std::vector<Event>{request({"PING"})});
}

TEST(RespRequestTest, InlineLimitIsTheSameWhateverTheSplit) {
  // A line end within the first 65537 bytes is found; later, byte-at-a-time Redis has refused it.
  const std::string ok = "ECHO " + std::string(65531, 'A') + "\n";  // '\n' at index 65536
  ASSERT_EQ(decodeWhole(ok).size(), 1u);
  EXPECT_EQ(decodeWhole(ok)[0].status, RespDecodeStatus::kRequest);
  EXPECT_EQ(decodeByteAtATime(ok), decodeWhole(ok));
  const std::string too_long = "ECHO " + std::string(65532, 'A') + "\n";
  EXPECT_EQ(decodeWhole(too_long), std::vector<Event>{error(kTooBigInline)});
  EXPECT_EQ(decodeByteAtATime(too_long), std::vector<Event>{error(kTooBigInline)});
}

TEST(RespRequestTest, InlineQuotingFollowsSdssplitargs) {
  struct Case {
    std::string line;
    std::vector<std::string> args;
  };
  // Each checked against redis-server 7.0.15 with ECHO or the wrong-arity error.
  const std::vector<Case> cases = {
      {"ECHO \"a\\x41\\n\\z\"", {"ECHO", "aA\nz"}},
      {"ECHO \"\\x4\"", {"ECHO", "x4"}},   // not two hex digits: `\x` is just `x`
      {"ECHO \"\\X41\"", {"ECHO", "X41"}},  // uppercase X is no hex escape
      {"ECHO \"\\r\\t\\b\\a\\\"\"", {"ECHO", "\r\t\b\a\""}},
      {"ECHO 'a\\'b' ", {"ECHO", "a'b"}},
      {"ECHO 'a\\x41\\n'", {"ECHO", "a\\x41\\n"}},  // single quotes: only \' is special
      {"ECHO foo\"bar baz\"", {"ECHO", "foobar baz"}},
      {"ECHO \"\"", {"ECHO", ""}},
      {"ECHO ''", {"ECHO", ""}},
      {"ECHO \"a\"\vx", {"ECHO", "a", "x"}},
      {"ECHO \va\vb", {"ECHO", "a\vb"}},  // \v separates only where whitespace is skipped
      {"GET\tk", {"GET", "k"}},
      {"GET\rk", {"GET", "k"}},
      {"  SET   k  v  ", {"SET", "k", "v"}},
      {"ECHO \"a\rb\"", {"ECHO", "a\rb"}},
  };
  for (const Case& c : cases) {
    std::vector<Event> expected = {request(c.args)};
    EXPECT_EQ(decodeWhole(c.line + "\r\n"), expected) << c.line;
    EXPECT_EQ(decodeByteAtATime(c.line + "\n"), expected) << c.line;
  }
}

TEST(RespRequestTest, InlineArgsLiveInTheRequest) {
  RespRequestDecoder decoder;
  RespRequest req;
  const std::string input = "SET k \"v w\"\r\n";
  ASSERT_EQ(decoder.decode(input, req).status, RespDecodeStatus::kRequest);
  EXPECT_TRUE(req.is_inline);
  const char* storage = req.inline_storage.data();
  for (std::string_view arg : req.args) {
    EXPECT_TRUE(arg.data() >= storage && arg.data() + arg.size() <= storage + req.inline_storage.size());
  }
}

TEST(RespRequestTest, ConfigurableLimits) {
  RespLimits limits;
  limits.max_bulk_length = 10;
  limits.max_multibulk_count = 1024 * 1024;  // Redis 6's limit
  EXPECT_EQ(decodeWhole("*1\r\n$11\r\n", limits), std::vector<Event>{error(kInvalidBulk)});
  EXPECT_EQ(decodeWhole("*1\r\n$10\r\n0123456789\r\n", limits), std::vector<Event>{request({"0123456789"})});
  EXPECT_EQ(decodeWhole("*1048577\r\n", limits), std::vector<Event>{error(kInvalidMultibulk)});
  EXPECT_TRUE(decodeWhole("*1048576\r\n", limits).empty());
  limits.max_inline_size = 8;
  EXPECT_EQ(decodeWhole("123456789", limits), std::vector<Event>{error(kTooBigInline)});
  EXPECT_EQ(decodeWhole("12345678\n", limits), std::vector<Event>{request({"12345678"})});
}

TEST(RespRequestTest, LargestCountsAndLengthsWaitWithoutAllocating) {
  RespRequestDecoder decoder;
  RespRequest req;
  const std::string huge_count = "*2147483647\r\n$1\r\na\r\n$3\r\n";
  test_support::resetAllocations();
  EXPECT_EQ(decoder.decode(huge_count, req).status, RespDecodeStatus::kNeedMore);
  EXPECT_LT(test_support::largestAllocation(), 1024u);

  decoder.reset();
  const std::string huge_bulk = "*1\r\n$536870912\r\nabc";
  test_support::resetAllocations();
  const RespDecodeResult r = decoder.decode(huge_bulk, req);
  EXPECT_EQ(r.status, RespDecodeStatus::kNeedMore);
  EXPECT_EQ(r.needed, 16u + 536870912u + 2u);  // a hint for growth, not an allocation
  EXPECT_EQ(test_support::allocationCount(), 0u);
}

TEST(RespRequestTest, SteadyStateDecodingAllocatesNothing) {
  RespRequestDecoder decoder;
  RespRequest req;
  const std::string multibulk = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  const std::string inline_cmd = "SET key \"va lue\"\r\n";
  ASSERT_EQ(decoder.decode(multibulk, req).status, RespDecodeStatus::kRequest);  // warm up
  ASSERT_EQ(decoder.decode(inline_cmd, req).status, RespDecodeStatus::kRequest);
  test_support::resetAllocations();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(decoder.decode(multibulk, req).status, RespDecodeStatus::kRequest);
    ASSERT_EQ(decoder.decode(inline_cmd, req).status, RespDecodeStatus::kRequest);
  }
  EXPECT_EQ(test_support::allocationCount(), 0u);
}

TEST(RespRequestTest, ResetAfterErrorDecodesAgain) {
  RespRequestDecoder decoder;
  RespRequest req;
  ASSERT_EQ(decoder.decode("*1\r\n$x\r\n", req).status, RespDecodeStatus::kError);
  decoder.reset();
  EXPECT_EQ(decoder.decode("*1\r\n$4\r\nPING\r\n", req).status, RespDecodeStatus::kRequest);
}

TEST(RespRequestTest, EncodedCommandsDecodeToTheSameArguments) {
  std::mt19937 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> args(1 + rng() % 6);
    for (std::string& arg : args) {
      arg.resize(rng() % 12);
      for (char& c : arg) c = static_cast<char>(rng() % 256);  // CR, LF, NUL, '$', '*' included
    }
    const std::vector<std::string_view> views(args.begin(), args.end());
    std::string wire;
    appendRespCommand(views, wire);
    ASSERT_EQ(decodeByteAtATime(wire), std::vector<Event>{request(args)});
  }
}

TEST(RespRequestTest, EncodedErrorsStayOneLine) {
  std::string out;
  appendRespError("ERR bad key 'a\r\n+OK'", out);
  EXPECT_EQ(out, "-ERR bad key 'a  +OK'\r\n");
  out.clear();
  appendRespBulkString("", out);
  EXPECT_EQ(out, "$0\r\n\r\n");
}

}  // namespace
}  // namespace vcproxy::codec
