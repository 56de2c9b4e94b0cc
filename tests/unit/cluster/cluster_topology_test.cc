// The slot map read from a Redis 7.0 node (replies captured from a three-master cluster made
// with redis-cli --cluster create), and MOVED / ASK redirections.
#include <gtest/gtest.h>

#include "proxy/codec/cluster_topology.h"

namespace vcproxy::codec {
namespace {

constexpr std::string_view kShards =
    "*3\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":10923\r\n"
    ":16383\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*1\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "7dbf56000ebf02b2bb8d65702721e53b7d60d877\r\n"
    "$4\r\n"
    "port\r\n"
    ":17003\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":0\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":5461\r\n"
    ":10922\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*1\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "6cd0f70f95d0631e7e058b3daeb3c46670540a49\r\n"
    "$4\r\n"
    "port\r\n"
    ":17002\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":0\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n"
    "*4\r\n"
    "$5\r\n"
    "slots\r\n"
    "*2\r\n"
    ":0\r\n"
    ":5460\r\n"
    "$5\r\n"
    "nodes\r\n"
    "*1\r\n"
    "*14\r\n"
    "$2\r\n"
    "id\r\n"
    "$40\r\n"
    "a55c7306e0d05d003ae54f13d3acc9c0753c512c\r\n"
    "$4\r\n"
    "port\r\n"
    ":17001\r\n"
    "$2\r\n"
    "ip\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$8\r\n"
    "endpoint\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    "$4\r\n"
    "role\r\n"
    "$6\r\n"
    "master\r\n"
    "$18\r\n"
    "replication-offset\r\n"
    ":0\r\n"
    "$6\r\n"
    "health\r\n"
    "$6\r\n"
    "online\r\n";

constexpr std::string_view kSlots =
    "*3\r\n"
    "*3\r\n"
    ":0\r\n"
    ":5460\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":17001\r\n"
    "$40\r\n"
    "a55c7306e0d05d003ae54f13d3acc9c0753c512c\r\n"
    "*0\r\n"
    "*3\r\n"
    ":5461\r\n"
    ":10922\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":17002\r\n"
    "$40\r\n"
    "6cd0f70f95d0631e7e058b3daeb3c46670540a49\r\n"
    "*0\r\n"
    "*3\r\n"
    ":10923\r\n"
    ":16383\r\n"
    "*4\r\n"
    "$9\r\n"
    "127.0.0.1\r\n"
    ":17003\r\n"
    "$40\r\n"
    "7dbf56000ebf02b2bb8d65702721e53b7d60d877\r\n"
    "*0\r\n";

void expectThreeMasters(const std::vector<SlotRange>& ranges) {
  ASSERT_EQ(ranges.size(), 3u);
  uint32_t covered = 0;
  for (const SlotRange& range : ranges) {
    EXPECT_EQ(range.host, "127.0.0.1");
    covered += range.last - range.first + 1u;
    if (range.first == 0) {
      EXPECT_EQ(range.last, 5460);
      EXPECT_EQ(range.port, 17001);
    } else if (range.first == 5461) {
      EXPECT_EQ(range.last, 10922);
      EXPECT_EQ(range.port, 17002);
    } else {
      EXPECT_EQ(range.first, 10923);
      EXPECT_EQ(range.last, 16383);
      EXPECT_EQ(range.port, 17003);
    }
  }
  EXPECT_EQ(covered, 16384u);
}

TEST(ClusterTopology, ReadsClusterShards) {
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterShards(kShards, ranges, error)) << error;
  expectThreeMasters(ranges);
}

TEST(ClusterTopology, ReadsClusterSlots) {
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterSlots(kSlots, ranges, error)) << error;
  expectThreeMasters(ranges);
}

TEST(ClusterTopology, ShardsInResp3MapsAndSeveralRanges) {
  const std::string reply =
      "*1\r\n%2\r\n$5\r\nslots\r\n*4\r\n:0\r\n:9\r\n:20\r\n:29\r\n$5\r\nnodes\r\n*2\r\n"
      "%3\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$8\r\n10.0.0.2\r\n$4\r\nrole\r\n$7\r\nreplica\r\n"
      "%4\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterShards(reply, ranges, error)) << error;
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].host, "10.0.0.1");
  EXPECT_EQ(ranges[0].port, 7000);
  EXPECT_EQ(ranges[0].first, 0);
  EXPECT_EQ(ranges[0].last, 9);
  EXPECT_EQ(ranges[1].first, 20);
  EXPECT_EQ(ranges[1].last, 29);
}

TEST(ClusterTopology, ShardWithFailedMasterIsLeftOut) {
  const std::string reply =
      "*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:9\r\n$5\r\nnodes\r\n*1\r\n"
      "*8\r\n$4\r\nport\r\n:7000\r\n$2\r\nip\r\n$8\r\n10.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$6\r\nhealth\r\n$4\r\nfail\r\n";
  std::vector<SlotRange> ranges;
  std::string error;
  ASSERT_TRUE(parseClusterShards(reply, ranges, error)) << error;
  EXPECT_TRUE(ranges.empty());
}

TEST(ClusterTopology, RefusesErrorsAndMalformedReplies) {
  std::vector<SlotRange> ranges;
  std::string error;
  EXPECT_FALSE(parseClusterShards("-ERR This instance has cluster support disabled\r\n", ranges, error));
  EXPECT_EQ(error, "ERR This instance has cluster support disabled");
  EXPECT_FALSE(parseClusterSlots(kSlots.substr(0, kSlots.size() - 1), ranges, error));
  EXPECT_FALSE(parseClusterSlots("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n", ranges, error));
  EXPECT_FALSE(parseClusterSlots("*1\r\n*3\r\n:9\r\n:3\r\n*2\r\n$1\r\nh\r\n:1\r\n", ranges, error));
  EXPECT_FALSE(parseClusterSlots("*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\nh\r\n:70000\r\n", ranges, error));
  EXPECT_FALSE(parseClusterShards("*1\r\n*2\r\n$5\r\nslots\r\n*1\r\n:0\r\n", ranges, error));
  EXPECT_FALSE(parseClusterShards(":1\r\n", ranges, error));
  EXPECT_TRUE(ranges.empty());
}

TEST(ClusterTopology, ParsesRedirects) {
  auto moved = parseRedirect("-MOVED 3999 127.0.0.1:6381\r\n");
  ASSERT_TRUE(moved.has_value());
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->address, "127.0.0.1:6381");
  auto ask = parseRedirect("-ASK 16383 [::1]:7000\r\n");
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->slot, 16383);
  EXPECT_EQ(ask->address, "[::1]:7000");
  EXPECT_FALSE(parseRedirect("-MOVED 16384 127.0.0.1:6381\r\n").has_value());
  EXPECT_FALSE(parseRedirect("-MOVED 12 \r\n").has_value());
  EXPECT_FALSE(parseRedirect("-MOVED x 127.0.0.1:1\r\n").has_value());
  EXPECT_FALSE(parseRedirect("-ERR MOVED 1 127.0.0.1:1\r\n").has_value());
  EXPECT_FALSE(parseRedirect("$5\r\n-ASK \r\n").has_value());
}

}  // namespace
}  // namespace vcproxy::codec
