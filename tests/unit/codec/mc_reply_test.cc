// Framing backend replies: every reply shape memcached sends, whole, byte at a time and split,
// followed by the next reply; replies that are not memcached's are kInvalid.
#include "proxy/codec/mc_reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"

namespace vcproxy::codec {
namespace {

using test::escape;
using V = McVerb;
using namespace std::string_literals;

struct FrameCase {
  std::string name;
  McVerb verb;
  std::string reply;  // exactly one complete reply
};

std::ostream& operator<<(std::ostream& os, const FrameCase& c) {
  return os << mcVerbName(c.verb) << ": " << escape(c.reply);
}

std::vector<FrameCase> frameCases() {
  return {
      {"GetMiss", V::kGet, "END\r\n"},
      {"GetHit", V::kGet, "VALUE k 0 5\r\nhello\r\nEND\r\n"},
      {"GetSeveral", V::kGet, "VALUE a 0 1\r\n1\r\nVALUE b 5 2\r\n22\r\nVALUE c 4294967295 0\r\n\r\nEND\r\n"},
      {"GetValueContainsEnd", V::kGet, "VALUE k 0 5\r\nEND\r\n\r\nEND\r\n"},
      {"GetValueContainsValueLine", V::kGet, "VALUE k 0 13\r\nVALUE x 0 1\r\n\r\nEND\r\n"},
      {"GetBinaryValue", V::kGet, "VALUE k 0 3\r\n\x00\n\r\r\nEND\r\n"s},
      {"GetsWithCas", V::kGets, "VALUE a 0 1 42\r\n1\r\nVALUE b 0 2 18446744073709551615\r\nxy\r\nEND\r\n"},
      {"GatHit", V::kGat, "VALUE k 0 1\r\nx\r\nEND\r\n"},
      {"GatsHit", V::kGats, "VALUE k 0 1 7\r\nx\r\nEND\r\n"},
      {"GetError", V::kGet, "CLIENT_ERROR bad command line format\r\n"},
      {"GetServerError", V::kGets, "SERVER_ERROR out of memory writing get response\r\n"},
      {"GetBareError", V::kGat, "ERROR\r\n"},
      {"GetBareNewlines", V::kGet, "VALUE k 0 1\nx\r\nEND\n"},
      {"Stored", V::kSet, "STORED\r\n"},
      {"NotStored", V::kAdd, "NOT_STORED\r\n"},
      {"Exists", V::kCas, "EXISTS\r\n"},
      {"NotFound", V::kCas, "NOT_FOUND\r\n"},
      {"SetError", V::kSet, "SERVER_ERROR object too large for cache\r\n"},
      {"Deleted", V::kDelete, "DELETED\r\n"},
      {"IncrNumber", V::kIncr, "18446744073709551615\r\n"},
      {"DecrNotFound", V::kDecr, "NOT_FOUND\r\n"},
      {"IncrNonNumeric", V::kIncr, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
      {"Touched", V::kTouch, "TOUCHED\r\n"},
      {"FlushOk", V::kFlushAll, "OK\r\n"},
      {"Version", V::kVersion, "VERSION 1.6.18\r\n"},
      {"VerbosityOk", V::kVerbosity, "OK\r\n"},
      {"Stats", V::kStats, "STAT pid 1\r\nSTAT uptime 2\r\nSTAT version 1.6.18\r\nEND\r\n"},
      {"StatsEmpty", V::kStats, "END\r\n"},
      {"StatsReset", V::kStats, "RESET\r\n"},
      {"StatsDetailOn", V::kStats, "OK\r\n"},
      {"StatsDetailDump", V::kStats, "PREFIX a get 1 hit 1 set 0 del 0\r\nEND\r\n"},
      {"StatsError", V::kStats, "ERROR\r\n"},
      {"StatsClientError", V::kStats, "CLIENT_ERROR bad command line format\r\n"},
      {"MetaGetValue", V::kMetaGet, "VA 5 f0 kk\r\nhello\r\n"},
      {"MetaGetValueLooksLikeReplies", V::kMetaGet, "VA 8\r\nEN\r\nHD\r\n\r\n"},
      {"MetaGetEmptyValue", V::kMetaGet, "VA 0\r\n\r\n"},
      {"MetaGetHit", V::kMetaGet, "HD t-1 O1\r\n"},
      {"MetaGetMiss", V::kMetaGet, "EN\r\n"},
      {"MetaGetMissWithKey", V::kMetaGet, "EN knokey O1\r\n"},
      {"MetaGetError", V::kMetaGet, "CLIENT_ERROR bad command line format\r\n"},
      {"MetaSetStored", V::kMetaSet, "HD\r\n"},
      {"MetaSetNotStored", V::kMetaSet, "NS\r\n"},
      {"MetaSetExists", V::kMetaSet, "EX\r\n"},
      {"MetaSetNotFound", V::kMetaSet, "NF\r\n"},
      {"MetaSetDuplicateFlag", V::kMetaSet, "CLIENT_ERROR duplicate flag\r\n"},
      {"MetaDeleteDeleted", V::kMetaDelete, "HD\r\n"},
      {"MetaDeleteMiss", V::kMetaDelete, "NF\r\n"},
      {"MetaArithmeticValue", V::kMetaArithmetic, "VA 2 kk\r\n10\r\n"},
      {"MetaArithmeticHit", V::kMetaArithmetic, "HD\r\n"},
      {"MetaArithmeticMiss", V::kMetaArithmetic, "NF\r\n"},
      {"MetaDebug", V::kMetaDebug, "ME k exp=-1 la=3 cas=5 fetch=no cls=1 size=62\r\n"},
      {"MetaDebugMiss", V::kMetaDebug, "EN\r\n"},
  };
}

class FrameTest : public testing::TestWithParam<FrameCase> {};

TEST_P(FrameTest, FramesTheWholeReply) {
  const FrameCase& c = GetParam();
  const auto frame = frameMcReply(c.verb, c.reply);
  ASSERT_EQ(frame.status, McReplyStatus::kComplete);
  EXPECT_EQ(frame.size, c.reply.size());
}

TEST_P(FrameTest, StopsBeforeTheNextReply) {
  const FrameCase& c = GetParam();
  for (const std::string_view next : {"END\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n", "STORED\r\n", "VA 1\r\nx\r\n"}) {
    const auto frame = frameMcReply(c.verb, c.reply + std::string(next));
    ASSERT_EQ(frame.status, McReplyStatus::kComplete);
    EXPECT_EQ(frame.size, c.reply.size()) << "followed by " << escape(next);
  }
}

TEST_P(FrameTest, EveryStrictPrefixNeedsMore) {
  const FrameCase& c = GetParam();
  for (size_t n = 0; n < c.reply.size(); ++n) {
    const auto frame = frameMcReply(c.verb, std::string_view(c.reply).substr(0, n));
    ASSERT_EQ(frame.status, McReplyStatus::kNeedMore) << "prefix of " << n << " bytes";
    // What the reply will take at least (known once a data block has started): never more.
    EXPECT_LE(frame.needed, c.reply.size()) << "prefix of " << n << " bytes";
  }
}

TEST(McReplySplitTest, ADataBlockStartedTellsHowLargeTheReplyIsAtLeast) {
  const std::string first = "VALUE a 0 1\r\nx\r\n";
  const std::string reply = first + "VALUE b 0 5000\r\n" + std::string(5000, 'y') + "\r\nEND\r\n";
  const size_t line_end = reply.find("\r\n", first.size()) + 2;
  EXPECT_EQ(frameMcReply(V::kGet, std::string_view(reply).substr(0, line_end - 1)).needed, 0u);  // line incomplete
  for (const size_t have : {line_end, line_end + 100}) {
    const auto frame = frameMcReply(V::kGet, std::string_view(reply).substr(0, have));
    ASSERT_EQ(frame.status, McReplyStatus::kNeedMore);
    EXPECT_EQ(frame.needed, line_end + 5000 + 2);
  }
  const auto meta = frameMcReply(V::kMetaGet, "VA 3000 k\r\nzz");
  EXPECT_EQ(meta.needed, std::string("VA 3000 k\r\n").size() + 3000 + 2);
}

INSTANTIATE_TEST_SUITE_P(McReply, FrameTest, testing::ValuesIn(frameCases()),
                         [](const auto& test_case) { return test_case.param.name; });

// A backend stream of many replies, delivered in chunks, is framed into the same replies; with
// `resume`, each call goes on from where the last kNeedMore answer stopped, as McUpstream does.
std::vector<std::string> frameStream(const std::vector<FrameCase>& cases, const std::vector<size_t>& chunk_sizes,
                                     bool resume = false) {
  std::string all;
  for (const auto& c : cases) all += c.reply;
  std::vector<std::string> framed;
  std::string buffer;
  size_t at = 0;
  size_t next_case = 0;
  size_t resume_at = 0;
  for (size_t i = 0; at < all.size(); ++i) {
    const size_t n = chunk_sizes[i % chunk_sizes.size()];
    buffer.append(all, at, n);
    at += n;
    while (next_case < cases.size()) {
      const auto frame = frameMcReply(cases[next_case].verb, buffer, resume_at);
      resume_at = resume && frame.status == McReplyStatus::kNeedMore ? frame.size : 0;
      if (frame.status == McReplyStatus::kNeedMore) break;
      EXPECT_EQ(frame.status, McReplyStatus::kComplete);
      if (frame.status != McReplyStatus::kComplete) return framed;
      framed.push_back(buffer.substr(0, frame.size));
      buffer.erase(0, frame.size);
      ++next_case;
    }
  }
  return framed;
}

TEST(McReplySplitTest, ByteAtATimeAndSplitsFrameTheSameReplies) {
  const auto cases = frameCases();
  std::vector<std::string> expected;
  for (const auto& c : cases) expected.push_back(c.reply);
  for (const bool resume : {false, true}) {
    EXPECT_EQ(frameStream(cases, {1}, resume), expected);
    EXPECT_EQ(frameStream(cases, {3, 1, 17, 2}, resume), expected);
    EXPECT_EQ(frameStream(cases, {4096}, resume), expected);
    for (unsigned seed = 1; seed <= 50; ++seed) {
      std::vector<size_t> sizes;
      for (unsigned i = 0; i < 64; ++i) sizes.push_back(1 + (seed * 2654435761u + i * 40503u) % 29);
      ASSERT_EQ(frameStream(cases, sizes, resume), expected) << "seed " << seed << (resume ? ", resumed" : "");
    }
  }
}

TEST(McReplySplitTest, ResumingSkipsTheValuesAlreadyFramed) {
  const std::string first = "VALUE a 0 1\r\nx\r\n";
  const std::string reply = first + "VALUE b 0 1\r\ny\r\nEND\r\n";
  const auto partial = frameMcReply(V::kGet, std::string_view(reply).substr(0, first.size() + 4));
  ASSERT_EQ(partial.status, McReplyStatus::kNeedMore);
  EXPECT_EQ(partial.size, first.size());
  // Resumed there, the first entry is not looked at again (garbage in its place goes unseen).
  const std::string tampered = std::string(first.size(), '#') + reply.substr(first.size());
  const auto frame = frameMcReply(V::kGet, tampered, partial.size);
  ASSERT_EQ(frame.status, McReplyStatus::kComplete);
  EXPECT_EQ(frame.size, reply.size());
}

struct InvalidCase {
  std::string name;
  McVerb verb;
  std::string reply;
};

std::ostream& operator<<(std::ostream& os, const InvalidCase& c) {
  return os << mcVerbName(c.verb) << ": " << escape(c.reply);
}

std::vector<InvalidCase> invalidCases() {
  return {
      {"GetGarbage", V::kGet, "garbage\r\n"},
      {"GetStored", V::kGet, "STORED\r\n"},
      {"GetLowercaseEnd", V::kGet, "end\r\n"},
      {"ValueBadLength", V::kGet, "VALUE k 0 abc\r\nxyz\r\nEND\r\n"},
      {"ValueNegativeLength", V::kGet, "VALUE k 0 -1\r\n\r\nEND\r\n"},
      {"ValueMissingLength", V::kGet, "VALUE k 0\r\nEND\r\n"},
      {"ValueDataTooLong", V::kGet, "VALUE k 0 2\r\nxyz\r\nEND\r\n"},
      {"ValueDataTooShort", V::kGets, "VALUE k 0 4 1\r\nxy\r\nEND\r\n"},
      {"ValueWithoutSpace", V::kGet, "VALUEk 0 1\r\nx\r\nEND\r\n"},
      {"ErrorAfterValues", V::kGet, "VALUE k 0 1\r\nx\r\nSERVER_ERROR out of memory\r\n"},
      {"GarbageAfterValues", V::kGat, "VALUE k 0 1\r\nx\r\nEN\r\n"},
      {"MetaValueBadLength", V::kMetaGet, "VA x\r\nhello\r\n"},
      {"MetaValueDataTooLong", V::kMetaGet, "VA 1\r\nhello\r\n"},
      {"MetaArithmeticBadLength", V::kMetaArithmetic, "VA -2\r\n10\r\n"},
  };
}

class InvalidReplyTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidReplyTest, IsInvalid) {
  const InvalidCase& c = GetParam();
  EXPECT_EQ(frameMcReply(c.verb, c.reply).status, McReplyStatus::kInvalid);
}

INSTANTIATE_TEST_SUITE_P(McReply, InvalidReplyTest, testing::ValuesIn(invalidCases()),
                         [](const auto& test_case) { return test_case.param.name; });

TEST(McReplyTest, EmptyInputNeedsMore) {
  for (int v = 0; v <= static_cast<int>(V::kMetaDebug); ++v) {
    EXPECT_EQ(frameMcReply(static_cast<McVerb>(v), "").status, McReplyStatus::kNeedMore);
  }
}

TEST(McReplyTest, ValueLengthIsKnownBeforeTheDataArrives) {
  EXPECT_EQ(frameMcReply(V::kGet, "VALUE k 0 100\r\nabc").status, McReplyStatus::kNeedMore);
  EXPECT_EQ(frameMcReply(V::kMetaGet, "VA 100\r\n").status, McReplyStatus::kNeedMore);
}

}  // namespace
}  // namespace vcproxy::codec
