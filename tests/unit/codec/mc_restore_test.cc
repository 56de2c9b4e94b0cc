// Restoring the client's keys in backend replies (VALUE lines, meta k flag, ME), and which
// replies quiet mode hides.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"
#include "proxy/codec/base64.h"
#include "proxy/codec/mc_reply.h"

namespace vcproxy::codec {
namespace {

using test::escape;
using test::stripPrefix;
using V = McVerb;
using namespace std::string_literals;

std::string restore(McVerb verb, std::string_view reply) {
  std::string out;
  restoreMcReply(verb, reply, stripPrefix, out);
  return out;
}

std::string b64(std::string_view bytes) {
  std::string out;
  base64Encode(bytes, out);
  return out;
}

TEST(McRestoreTest, ValueLines) {
  EXPECT_EQ(restore(V::kGet, "VALUE v1:k 0 5\r\nhello\r\nEND\r\n"), "VALUE k 0 5\r\nhello\r\nEND\r\n");
  EXPECT_EQ(restore(V::kGets, "VALUE v1:a 3 1 42\r\n1\r\nVALUE v1:b 0 2 43\r\n22\r\nEND\r\n"),
            "VALUE a 3 1 42\r\n1\r\nVALUE b 0 2 43\r\n22\r\nEND\r\n");
  EXPECT_EQ(restore(V::kGat, "VALUE plain 0 1\r\nx\r\nEND\r\n"), "VALUE plain 0 1\r\nx\r\nEND\r\n");
}

// The data is copied as is, even when it looks like a VALUE line with a prefixed key.
TEST(McRestoreTest, ValueDataIsNeverRewritten) {
  const std::string data = "VALUE v1:x 0 1\r\nEND";
  const std::string reply = "VALUE v1:k 0 " + std::to_string(data.size()) + "\r\n" + data + "\r\nEND\r\n";
  EXPECT_EQ(restore(V::kGats, reply), "VALUE k 0 " + std::to_string(data.size()) + "\r\n" + data + "\r\nEND\r\n");
  EXPECT_EQ(restore(V::kGet, "VALUE v1:k 0 3\r\n\x00\r\n\r\nEND\r\n"s), "VALUE k 0 3\r\n\x00\r\n\r\nEND\r\n"s);
}

TEST(McRestoreTest, RetrievalErrorsAndMissesAreCopied) {
  EXPECT_EQ(restore(V::kGet, "END\r\n"), "END\r\n");
  EXPECT_EQ(restore(V::kGet, "CLIENT_ERROR bad command line format\r\n"), "CLIENT_ERROR bad command line format\r\n");
}

TEST(McRestoreTest, MetaKeyFlag) {
  EXPECT_EQ(restore(V::kMetaGet, "VA 5 kv1:k f0\r\nhello\r\n"), "VA 5 kk f0\r\nhello\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "HD kv1:k O7\r\n"), "HD kk O7\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "EN kv1:nokey O1\r\n"), "EN knokey O1\r\n");
  EXPECT_EQ(restore(V::kMetaArithmetic, "VA 2 kv1:n\r\n10\r\n"), "VA 2 kn\r\n10\r\n");
  EXPECT_EQ(restore(V::kMetaDelete, "HD kv1:k\r\n"), "HD kk\r\n");
  EXPECT_EQ(restore(V::kMetaSet, "HD kv1:k c99\r\n"), "HD kk c99\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "HD kother\r\n"), "HD kother\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "HD t-1\r\n"), "HD t-1\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "EN\r\n"), "EN\r\n");
}

// The value of a VA reply is never rewritten, even if it looks like a k flag.
TEST(McRestoreTest, MetaValueDataIsCopied) {
  EXPECT_EQ(restore(V::kMetaGet, "VA 7 kv1:k\r\nkv1:abc\r\n"), "VA 7 kk\r\nkv1:abc\r\n");
}

// With a `b` flag in the reply, the k flag's key is base64 of the stored (versioned) key.
TEST(McRestoreTest, MetaKeyFlagBase64) {
  const std::string stored = b64("v1:\x01key");
  const std::string client = b64("\x01key");
  EXPECT_EQ(restore(V::kMetaGet, "VA 2 k" + stored + " b\r\nhi\r\n"), "VA 2 k" + client + " b\r\nhi\r\n");
  EXPECT_EQ(restore(V::kMetaGet, "HD b k" + stored + "\r\n"), "HD b k" + client + "\r\n");
  // Without the reply's b flag, the key is text.
  EXPECT_EQ(restore(V::kMetaGet, "HD kv1:k\r\n"), "HD kk\r\n");
  // A base64 key that is not versioned is left as it is.
  EXPECT_EQ(restore(V::kMetaGet, "HD k" + b64("other") + " b\r\n"), "HD k" + b64("other") + " b\r\n");
}

TEST(McRestoreTest, MetaDebugKey) {
  EXPECT_EQ(restore(V::kMetaDebug, "ME v1:k exp=-1 la=3 cas=5 fetch=no cls=1 size=62\r\n"),
            "ME k exp=-1 la=3 cas=5 fetch=no cls=1 size=62\r\n");
  // memcached prints binary keys in base64.
  EXPECT_EQ(restore(V::kMetaDebug, "ME " + b64("v1:meow") + " exp=-1 la=0 cas=6 fetch=yes cls=1 size=65\r\n"),
            "ME " + b64("meow") + " exp=-1 la=0 cas=6 fetch=yes cls=1 size=65\r\n");
  EXPECT_EQ(restore(V::kMetaDebug, "EN\r\n"), "EN\r\n");
}

TEST(McRestoreTest, OtherRepliesAreCopied) {
  for (const auto& [verb, reply] : std::vector<std::pair<McVerb, std::string>>{
           {V::kSet, "STORED\r\n"},
           {V::kIncr, "11\r\n"},
           {V::kStats, "STAT v1:x 1\r\nEND\r\n"},
           {V::kVersion, "VERSION 1.6.18\r\n"},
           {V::kDelete, "DELETED\r\n"}}) {
    EXPECT_EQ(restore(verb, reply), reply);
  }
}

TEST(McRestoreTest, AppendsToTheOutput) {
  std::string out = "STORED\r\n";
  restoreMcReply(V::kGet, "VALUE v1:k 0 1\r\nx\r\nEND\r\n", stripPrefix, out);
  EXPECT_EQ(out, "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n");
}

// Blocks a taker accepts are left out of the text, which stops exactly where each belongs; the
// others are copied. Spliced back at those offsets, the reply is the fully copied one.
TEST(McRestoreTest, TakenBlocksAreLeftOutWhereTheyBelong) {
  for (const auto& [verb, reply] : std::vector<std::pair<McVerb, std::string>>{
           {V::kGet, "VALUE v1:a 0 5\r\nhello\r\nVALUE v1:b 0 2\r\nhi\r\nVALUE v1:c 0 6\r\nthere!\r\nEND\r\n"},
           {V::kMetaGet, "VA 5 kv1:a\r\nhello\r\n"},
           {V::kMetaGet, "HD kv1:a\r\n"}}) {
    std::string out;
    std::vector<std::pair<size_t, std::string>> taken;
    restoreMcReply(verb, reply, stripPrefix, out, [&](std::string_view block) {
      if (block.size() < 5) return false;  // "hi\r\n" is copied
      EXPECT_GE(block.data(), reply.data());  // a part of the reply itself, not a copy
      EXPECT_LE(block.data() + block.size(), reply.data() + reply.size());
      taken.emplace_back(out.size(), std::string(block));
      return true;
    });
    std::string spliced = out;
    for (auto it = taken.rbegin(); it != taken.rend(); ++it) spliced.insert(it->first, it->second);
    EXPECT_EQ(spliced, restore(verb, reply)) << escape(reply);
    EXPECT_EQ(taken.size(), verb == V::kGet ? 2u : reply.starts_with("VA") ? 1u : 0u) << escape(reply);
  }
}

struct QuietCase {
  McVerb verb;
  std::string reply;
  bool hidden;
};

TEST(McQuietModeTest, HidesOnlyNominalReplies) {
  const std::vector<QuietCase> cases{
      {V::kMetaGet, "EN\r\n", true},
      {V::kMetaGet, "EN knokey O1\r\n", true},
      {V::kMetaGet, "HD\r\n", false},
      {V::kMetaGet, "VA 1\r\nx\r\n", false},
      {V::kMetaGet, "CLIENT_ERROR bad command line format\r\n", false},
      {V::kMetaSet, "HD\r\n", true},
      {V::kMetaSet, "HD O5\r\n", true},
      {V::kMetaSet, "NS\r\n", false},
      {V::kMetaSet, "EX\r\n", false},
      {V::kMetaSet, "NF\r\n", false},
      {V::kMetaSet, "CLIENT_ERROR bad data chunk\r\n", false},
      {V::kMetaDelete, "HD\r\n", true},
      {V::kMetaDelete, "NF\r\n", false},
      {V::kMetaDelete, "EX\r\n", false},
      {V::kMetaArithmetic, "HD\r\n", true},
      {V::kMetaArithmetic, "VA 1\r\n6\r\n", true},
      {V::kMetaArithmetic, "NF\r\n", false},
      {V::kMetaArithmetic, "NS\r\n", false},
      {V::kMetaArithmetic, "EX\r\n", false},
      {V::kMetaDebug, "EN\r\n", false},
      {V::kMetaDebug, "ME k exp=-1\r\n", false},
      {V::kGet, "END\r\n", false},
      {V::kSet, "STORED\r\n", false},
      {V::kDelete, "NOT_FOUND\r\n", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(isHiddenByQuietMode(c.verb, c.reply), c.hidden) << mcVerbName(c.verb) << " " << escape(c.reply);
  }
}

}  // namespace
}  // namespace vcproxy::codec
