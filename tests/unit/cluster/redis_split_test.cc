// Merging the replies of a multi-key command split by slot, in the client's key order.
#include <gtest/gtest.h>

#include "proxy/codec/redis_split.h"

namespace vcproxy::codec {
namespace {

TEST(RedisSplit, Kinds) {
  EXPECT_EQ(splitKindOf("MGET"), SplitKind::kMget);
  EXPECT_EQ(splitKindOf("mset"), SplitKind::kMset);
  for (const char* name : {"del", "EXISTS", "Unlink", "touch"}) EXPECT_EQ(splitKindOf(name), SplitKind::kSumCount);
  for (const char* name : {"msetnx", "sunionstore", "rename", "get"}) EXPECT_EQ(splitKindOf(name), SplitKind::kNone);
  EXPECT_EQ(splitStride(SplitKind::kMset), 2u);
  EXPECT_EQ(splitStride(SplitKind::kMget), 1u);
}

TEST(RedisSplit, MgetInClientOrder) {
  // Keys 0..4; part 0 had keys 0, 3; part 1 keys 1, 4; part 2 key 2.
  const std::vector<SplitPart> parts = {
      {"*2\r\n$1\r\na\r\n$-1\r\n", {0, 3}},
      {"*2\r\n$2\r\nbb\r\n$1\r\ne\r\n", {1, 4}},
      {"*1\r\n$0\r\n\r\n", {2}},
  };
  EXPECT_EQ(mergeSplitReplies(SplitKind::kMget, parts, 5), "*5\r\n$1\r\na\r\n$2\r\nbb\r\n$0\r\n\r\n$-1\r\n$1\r\ne\r\n");
}

TEST(RedisSplit, MgetResp3Nulls) {
  const std::vector<SplitPart> parts = {{"*1\r\n_\r\n", {1}}, {"*1\r\n$1\r\nx\r\n", {0}}};
  EXPECT_EQ(mergeSplitReplies(SplitKind::kMget, parts, 2), "*2\r\n$1\r\nx\r\n_\r\n");
}

TEST(RedisSplit, SumsAndOk) {
  const std::vector<SplitPart> sums = {{":2\r\n", {0, 1}}, {":0\r\n", {2}}, {":1\r\n", {3}}};
  EXPECT_EQ(mergeSplitReplies(SplitKind::kSumCount, sums, 4), ":3\r\n");
  const std::vector<SplitPart> oks = {{"+OK\r\n", {0}}, {"+OK\r\n", {1}}};
  EXPECT_EQ(mergeSplitReplies(SplitKind::kMset, oks, 2), "+OK\r\n");
}

TEST(RedisSplit, FirstErrorWins) {
  const std::vector<SplitPart> parts = {{"+OK\r\n", {0}}, {"-OOM command not allowed\r\n", {1}}, {"-ERR b\r\n", {2}}};
  EXPECT_EQ(mergeSplitReplies(SplitKind::kMset, parts, 3), "-OOM command not allowed\r\n");
}

TEST(RedisSplit, UnexpectedShapesAreErrors) {
  const auto is_error = [](const std::string& reply) { return reply.starts_with("-ERR vcproxy:"); };
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kMget, std::vector<SplitPart>{{"*2\r\n$1\r\na\r\n", {0}}}, 1)));
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kMget, std::vector<SplitPart>{{"*1\r\n$1\r\na\r\n", {0}}}, 2)));
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kMget, std::vector<SplitPart>{{"*1\r\n$1\r\na\r\n", {7}}}, 2)));
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kSumCount, std::vector<SplitPart>{{":x\r\n", {0}}}, 1)));
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kSumCount, std::vector<SplitPart>{{"+OK\r\n", {0}}}, 1)));
  EXPECT_TRUE(is_error(mergeSplitReplies(SplitKind::kMset, std::vector<SplitPart>{{":1\r\n", {0}}}, 1)));
}

}  // namespace
}  // namespace vcproxy::codec
