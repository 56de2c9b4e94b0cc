#include "proxy/codec/resp_reply.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/unit/codec/resp_alloc_probe.h"

namespace vcproxy::codec {
namespace {

using namespace std::string_literals;

// One reply of every type, RESP2 and RESP3; the last ones captured from redis-server 7.0.15.
const std::vector<std::string>& everyType() {
  static const std::vector<std::string> replies = {
      "+OK\r\n",
      "-ERR unknown command 'x'\r\n",
      ":0\r\n",
      ":-9223372036854775808\r\n",
      "$5\r\nhello\r\n",
      "$0\r\n\r\n",
      "$6\r\na\r\nb\r\n\r\n",  // CRLF inside a bulk
      "$-1\r\n",
      "*-1\r\n",
      "*0\r\n",
      "_\r\n",
      ",3.14\r\n",
      ",-inf\r\n",
      "#t\r\n",
      "#f\r\n",
      "(3492890328409238509324850943850943825024385\r\n",
      "!21\r\nSYNTAX invalid syntax\r\n",
      "=15\r\ntxt:Some string\r\n",
      "*3\r\n:1\r\n$1\r\na\r\n*2\r\n+x\r\n_\r\n",
      "%2\r\n+first\r\n:1\r\n+second\r\n*1\r\n:2\r\n",
      "~3\r\n+a\r\n:1\r\n#f\r\n",
      "%0\r\n",
      "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
      "*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n:7\r\n",  // an attribute inside an aggregate
      ">2\r\n$10\r\ninvalidate\r\n*1\r\n$5\r\n~vc:k\r\n",
      "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n"
      ":103\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n"
      "+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\n"
      "type\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n"
      "$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n",
  };
  return replies;
}

TEST(RespReplyTest, FramesEveryTypeFollowedByMoreBytes) {
  for (const std::string& reply : everyType()) {
    const RespReplyFrame frame = frameRespReply(reply + "+NEXT\r\n");
    EXPECT_EQ(frame.status, RespReplyStatus::kComplete) << reply;
    EXPECT_EQ(frame.size, reply.size()) << reply;
  }
}

TEST(RespReplyTest, EveryProperPrefixNeedsMore) {
  for (const std::string& reply : everyType()) {
    for (size_t n = 0; n < reply.size(); ++n) {
      ASSERT_EQ(frameRespReply(reply.substr(0, n)).status, RespReplyStatus::kNeedMore) << reply << " at " << n;
    }
  }
}

TEST(RespReplyTest, ResumableFramerByteAtATime) {
  std::string all;
  for (const std::string& reply : everyType()) all += reply;
  RespReplyFramer framer;
  std::string buffer;
  std::vector<std::string> framed;
  for (char c : all) {
    buffer.push_back(c);
    const RespReplyFrame frame = framer.frame(buffer);
    ASSERT_NE(frame.status, RespReplyStatus::kInvalid);
    if (frame.status == RespReplyStatus::kComplete) {
      framed.push_back(buffer.substr(0, frame.size));
      buffer.erase(0, frame.size);
    }
  }
  EXPECT_EQ(framed, everyType());
  EXPECT_TRUE(buffer.empty());
}

TEST(RespReplyTest, DeepNestingNeedsNoStack) {
  std::string reply;
  for (int i = 0; i < 10000; ++i) reply += i % 2 ? "*1\r\n" : "%1\r\n:1\r\n";
  reply += "$1\r\nx\r\n";
  const RespReplyFrame frame = frameRespReply(reply);
  EXPECT_EQ(frame.status, RespReplyStatus::kComplete);
  EXPECT_EQ(frame.size, reply.size());
}

TEST(RespReplyTest, NeededIsKnownForBulkPayloads) {
  const RespReplyFrame frame = frameRespReply("*2\r\n:1\r\n$100\r\nabc");
  EXPECT_EQ(frame.status, RespReplyStatus::kNeedMore);
  EXPECT_EQ(frame.needed, 8u + 6u + 100u + 2u);
}

TEST(RespReplyTest, RejectsWhatTheServerNeverSends) {
  for (std::string bad : {"?\r\n"s, "$?\r\n;4\r\nabcd\r\n;0\r\n"s, "*?\r\n:1\r\n.\r\n"s, "$3\r\nabcXY"s, "+OK\rX"s,
                          ":abc\r\n"s, ":\r\n"s, ":01\r\n"s, "#x\r\n"s, "_x\r\n"s, ",\r\n"s, "(1.5\r\n"s, "$-2\r\n"s,
                          "%-1\r\n"s, "~-1\r\n"s, "|-1\r\n"s, ">-1\r\n"s, "!-1\r\n"s, "=3\r\ntxt\r\n"s,
                          "=5\r\ntxtxx\r\n"s, "*2147483648\r\n"s, "*1\r\nx\r\n"s, "\0\r\n"s}) {
    EXPECT_EQ(frameRespReply(bad).status, RespReplyStatus::kInvalid) << testing::PrintToString(bad);
  }
}

TEST(RespReplyTest, ReadsOneItem) {
  RespItem item;
  size_t needed = 0;
  ASSERT_EQ(readRespItem("xx%2\r\n", 2, item, needed), RespReplyStatus::kComplete);
  EXPECT_EQ(item.type, RespType::kMap);
  EXPECT_EQ(item.count, 4);
  EXPECT_EQ(item.size, 4u);
  ASSERT_EQ(readRespItem("=7\r\nmkd:# x\r\n", 0, item, needed), RespReplyStatus::kComplete);
  EXPECT_EQ(item.type, RespType::kVerbatim);
  EXPECT_EQ(item.data, "mkd:# x");
  EXPECT_EQ(item.size, 13u);
  ASSERT_EQ(readRespItem(":-12\r\n", 0, item, needed), RespReplyStatus::kComplete);
  EXPECT_EQ(item.data, "-12");
  EXPECT_TRUE(isRespError("-ERR x\r\n"));
  EXPECT_TRUE(isRespError("!3\r\nERR\r\n"));
  EXPECT_FALSE(isRespError("+OK\r\n"));
}

// Restores `~vc:<key>` to `<key>` wherever `wanted` says, recording every string offered.
struct Restorer {
  bool (*wanted)(RespPath path);
  std::vector<std::pair<std::vector<uint32_t>, std::string>> seen;

  std::optional<std::string_view> operator()(RespPath path, std::string_view value) {
    std::vector<uint32_t> indexes;
    for (const RespPathStep& step : path) indexes.push_back(step.index);
    seen.emplace_back(indexes, std::string(value));
    if (!wanted(path) || !value.starts_with("~vc:")) return std::nullopt;
    return value.substr(4);
  }
};

std::string restore(std::string_view reply, bool (*wanted)(RespPath)) {
  Restorer restorer{wanted, {}};
  std::string out = "prefix|";
  const RespRewriteResult result = rewriteBulkStrings(reply, restorer, out);
  EXPECT_TRUE(result.ok) << reply;
  if (result.rewritten == 0) {
    EXPECT_EQ(out, "prefix|");
    return std::string(reply);
  }
  EXPECT_EQ(frameRespReply(out.substr(7)).size, out.size() - 7) << out;
  return out.substr(7);
}

bool everywhere(RespPath) { return true; }

TEST(RespReplyTest, RewritesKeysOfKeysReply) {
  EXPECT_EQ(restore("*3\r\n$6\r\n~vc:ab\r\n$1\r\nx\r\n$8\r\n~vc:long\r\n", everywhere),
            "*3\r\n$2\r\nab\r\n$1\r\nx\r\n$4\r\nlong\r\n");
}

TEST(RespReplyTest, RewritesOnlyAtChosenPaths) {
  // SCAN: [cursor, [keys]] -- the cursor is never touched, even when it looks like a key.
  auto scan = [](RespPath p) { return p.size() == 2 && p[0].index == 1; };
  EXPECT_EQ(restore("*2\r\n$5\r\n~vc:0\r\n*2\r\n$5\r\n~vc:a\r\n$5\r\n~vc:b\r\n", scan),
            "*2\r\n$5\r\n~vc:0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  // BLPOP: [key, value] -- the value stays.
  auto first = [](RespPath p) { return p.size() == 1 && p[0].index == 0; };
  EXPECT_EQ(restore("*2\r\n$5\r\n~vc:l\r\n$5\r\n~vc:v\r\n", first), "*2\r\n$1\r\nl\r\n$5\r\n~vc:v\r\n");
}

TEST(RespReplyTest, XreadInBothProtocols) {
  auto keys = [](RespPath p) {
    return (p.size() == 1 && p[0].parent == RespType::kMap && p[0].index % 2 == 0) ||
           (p.size() == 2 && p[0].parent == RespType::kArray && p[1].index == 0);
  };
  const std::string resp2 =
      "*2\r\n*2\r\n$5\r\n~vc:s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$5\r\n~vc:t\r\n*1\r\n"
      "*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$5\r\n~vc:w\r\n";
  EXPECT_EQ(restore(resp2, keys),
            "*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nt\r\n*1\r\n"
            "*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$5\r\n~vc:w\r\n");
  const std::string resp3 =
      "%2\r\n$5\r\n~vc:s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$5\r\n~vc:v\r\n$5\r\n~vc:t\r\n*1\r\n*2\r\n"
      "$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n";
  EXPECT_EQ(restore(resp3, keys),
            "%2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$5\r\n~vc:v\r\n$1\r\nt\r\n*1\r\n*2\r\n"
            "$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\nw\r\n");
}

TEST(RespReplyTest, OffersEveryStringWithItsPath) {
  Restorer restorer{everywhere, {}};
  std::string out;
  const std::string reply = "*3\r\n$1\r\na\r\n%1\r\n$1\r\nk\r\n~2\r\n$1\r\nm\r\n$-1\r\n>1\r\n*1\r\n$1\r\nz\r\n";
  ASSERT_TRUE(rewriteBulkStrings(reply, restorer, out).ok);
  const std::vector<std::pair<std::vector<uint32_t>, std::string>> expected = {
      {{0}, "a"}, {{1, 0}, "k"}, {{1, 1, 0}, "m"}, {{2, 0, 0}, "z"}};
  EXPECT_EQ(restorer.seen, expected);
}

TEST(RespReplyTest, AttributesAreSkippedAndKeepTheirPlace) {
  Restorer restorer{everywhere, {}};
  std::string out;
  const std::string reply = "*2\r\n|1\r\n$5\r\n~vc:a\r\n$5\r\n~vc:b\r\n$5\r\n~vc:c\r\n$5\r\n~vc:d\r\n";
  const RespRewriteResult result = rewriteBulkStrings(reply, restorer, out);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.rewritten, 2u);
  EXPECT_EQ(out, "*2\r\n|1\r\n$5\r\n~vc:a\r\n$5\r\n~vc:b\r\n$1\r\nc\r\n$1\r\nd\r\n");
  ASSERT_EQ(restorer.seen.size(), 2u);
  EXPECT_EQ(restorer.seen[0].first, std::vector<uint32_t>{0});
  EXPECT_EQ(restorer.seen[1].first, std::vector<uint32_t>{1});
}

TEST(RespReplyTest, StringsBeyondTheDepthLimitAreNotOffered) {
  std::string reply = "*2\r\n$5\r\n~vc:a\r\n";
  for (size_t i = 0; i < kMaxRespPathDepth; ++i) reply += "*1\r\n";
  reply += "$5\r\n~vc:z\r\n";
  Restorer restorer{everywhere, {}};
  std::string out;
  const RespRewriteResult result = rewriteBulkStrings(reply, restorer, out);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.rewritten, 1u);
  EXPECT_EQ(restorer.seen.size(), 1u);
  EXPECT_EQ(frameRespReply(out).size, out.size());
}

TEST(RespReplyTest, ExecRepliesComposeByTheirFirstStep) {
  // MULTI; KEYS *; GET k; EXEC -> keys only in the reply of the first queued command.
  auto exec = [](RespPath p) { return p.size() == 2 && p[0].index == 0; };
  EXPECT_EQ(restore("*2\r\n*1\r\n$5\r\n~vc:k\r\n$5\r\n~vc:v\r\n", exec), "*2\r\n*1\r\n$1\r\nk\r\n$5\r\n~vc:v\r\n");
}

TEST(RespReplyTest, NothingToRewriteLeavesOutAlone) {
  const std::string reply = "*2\r\n$1\r\na\r\n$1\r\nb\r\n";
  EXPECT_EQ(restore(reply, everywhere), reply);
  EXPECT_EQ(restore("$5\r\n~vc:k\r\n", everywhere), "$1\r\nk\r\n");
}

TEST(RespReplyTest, RewriteRefusesBrokenOrExtraBytes) {
  for (std::string bad : {"*2\r\n$5\r\n~vc:a\r\n"s, "$5\r\n~vc:a\r\n+OK\r\n"s, "*1\r\n$5\r\n~vc:aXX"s, ""s}) {
    Restorer restorer{everywhere, {}};
    std::string out = "kept";
    EXPECT_FALSE(rewriteBulkStrings(bad, restorer, out).ok) << testing::PrintToString(bad);
    EXPECT_EQ(out, "kept");
  }
}

TEST(RespReplyTest, FramingAndWalkingAllocateNothing) {
  const std::string& reply = everyType().back();
  std::string out;
  out.reserve(4096);
  auto keep = [](RespPath, std::string_view) -> std::optional<std::string_view> { return std::nullopt; };
  test_support::resetAllocations();
  EXPECT_EQ(frameRespReply(reply).status, RespReplyStatus::kComplete);
  EXPECT_TRUE(rewriteBulkStrings(reply, keep, out).ok);
  EXPECT_EQ(test_support::allocationCount(), 0u);
}

}  // namespace
}  // namespace vcproxy::codec
