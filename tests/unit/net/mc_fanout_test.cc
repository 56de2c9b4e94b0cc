// Merging the parts of a request split over a pool, without sockets: parts answer in any order,
// the client's slot is filled once, in the client's key order.
#include "proxy/net/mc_fanout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vcproxy::net {
namespace {

// Stands for the client connection: records the slots it is told are ready.
class RecordingClient final : public ReplySink {
 public:
  void onReplyReady(Pending& pending) override { ready.push_back(pending.reply); }
  void onUnsolicited(PendingPtr, const Pending*) override {}
  std::vector<std::string> ready;
};

std::string value(const std::string& key, const std::string& data) {
  return "VALUE " + key + " 0 " + std::to_string(data.size()) + "\r\n" + data + "\r\n";
}

struct Split {
  RecordingClient client;
  PendingPtr slot = std::make_shared<Pending>();
  std::shared_ptr<McFanout> fanout;
  std::vector<PendingPtr> parts;

  explicit Split(McFanout::Merge merge) {
    slot->client = &client;
    fanout = std::make_shared<McFanout>(slot, merge);
  }
  void answer(size_t part, std::string reply) {
    parts[part]->reply = std::move(reply);
    parts[part]->client->onReplyReady(*parts[part]);
  }
};

TEST(McFanoutTest, ValuesComeBackInTheClientsKeyOrder) {
  Split split(McFanout::Merge::kValues);
  // Keys c a b a d over two parts: part 0 asks for a, b, a; part 1 for c, d.
  for (auto [key, part] : std::vector<std::pair<std::string, uint32_t>>{{"c", 1}, {"a", 0}, {"b", 0}, {"a", 0}, {"d", 1}}) {
    split.fanout->addKey(key, part);
  }
  split.parts.push_back(McFanout::addPart(split.fanout, *split.slot));
  split.parts.push_back(McFanout::addPart(split.fanout, *split.slot));
  split.fanout->start();
  split.answer(1, value("c", "3") + "END\r\n");  // d missing
  EXPECT_TRUE(split.client.ready.empty());
  split.answer(0, value("a", "1") + value("b", "2") + value("a", "1") + "END\r\n");
  ASSERT_EQ(split.client.ready.size(), 1u);
  EXPECT_EQ(split.client.ready[0], value("c", "3") + value("a", "1") + value("b", "2") + value("a", "1") + "END\r\n");
}

TEST(McFanoutTest, AFailedPartsKeysAreMissesUnlessEveryPartFailed) {
  Split split(McFanout::Merge::kValues);
  split.fanout->addKey("a", 0);
  split.fanout->addKey("skipped", McFanout::kNoPart);  // left out by a cache mode
  split.fanout->addKey("b", 1);
  split.parts.push_back(McFanout::addPart(split.fanout, *split.slot));
  split.fanout->addFailedPart("SERVER_ERROR backend 10.0.0.2:11211 connect: connection refused\r\n");
  split.fanout->start();
  split.answer(0, value("a", "1") + "END\r\n");
  ASSERT_EQ(split.client.ready.size(), 1u);
  EXPECT_EQ(split.client.ready[0], value("a", "1") + "END\r\n");

  Split all_failed(McFanout::Merge::kValues);
  all_failed.fanout->addKey("a", 0);
  all_failed.fanout->addKey("b", 1);
  all_failed.fanout->addFailedPart("SERVER_ERROR backend A down\r\n");
  all_failed.fanout->addFailedPart("SERVER_ERROR backend B down\r\n");
  all_failed.fanout->start();
  ASSERT_EQ(all_failed.client.ready.size(), 1u);
  EXPECT_EQ(all_failed.client.ready[0], "SERVER_ERROR backend A down\r\n");
}

TEST(McFanoutTest, BroadcastIsOkOnlyWhenEveryBackendSaidOk) {
  Split ok(McFanout::Merge::kAllOk);
  ok.parts.push_back(McFanout::addPart(ok.fanout, *ok.slot));
  ok.parts.push_back(McFanout::addPart(ok.fanout, *ok.slot));
  ok.fanout->start();
  ok.answer(1, "OK\r\n");
  ok.answer(0, "OK\r\n");
  ASSERT_EQ(ok.client.ready.size(), 1u);
  EXPECT_EQ(ok.client.ready[0], "OK\r\n");

  Split one_down(McFanout::Merge::kAllOk);
  one_down.parts.push_back(McFanout::addPart(one_down.fanout, *one_down.slot));
  one_down.fanout->addFailedPart("SERVER_ERROR backend B timed out after 1000 ms\r\n");
  one_down.fanout->start();
  one_down.answer(0, "OK\r\n");
  ASSERT_EQ(one_down.client.ready.size(), 1u);
  EXPECT_EQ(one_down.client.ready[0], "SERVER_ERROR backend B timed out after 1000 ms\r\n");
}

TEST(McFanoutTest, NoreplyHidesTheMergedAnswerAndAGoneClientGetsNothing) {
  Split quiet(McFanout::Merge::kAllOk);
  quiet.slot->noreply = true;
  quiet.parts.push_back(McFanout::addPart(quiet.fanout, *quiet.slot));
  quiet.fanout->start();
  quiet.answer(0, "OK\r\n");
  ASSERT_EQ(quiet.client.ready.size(), 1u);
  EXPECT_EQ(quiet.client.ready[0], "");

  Split gone(McFanout::Merge::kAllOk);
  gone.parts.push_back(McFanout::addPart(gone.fanout, *gone.slot));
  gone.fanout->start();
  gone.slot->client = nullptr;  // the client closed meanwhile
  gone.answer(0, "OK\r\n");
  EXPECT_TRUE(gone.client.ready.empty());
}

}  // namespace
}  // namespace vcproxy::net
