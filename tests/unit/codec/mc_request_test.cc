// Valid memcached text and meta requests: each verb's accepted forms decode to the right verb,
// keys, value and noreply, consuming exactly the request.
#include "proxy/codec/mc_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"

namespace vcproxy::codec {
namespace {

using test::decodeOne;
using test::escape;
using namespace std::string_literals;

struct ForwardCase {
  std::string name;
  std::string input;
  McVerb verb;
  std::vector<std::string> keys;
  bool noreply = false;
  std::string value = {};
  bool base64 = false;
};

std::ostream& operator<<(std::ostream& os, const ForwardCase& c) { return os << escape(c.input); }

const std::string kKey250(250, 'k');

std::vector<ForwardCase> forwardCases() {
  using V = McVerb;
  return {
      // retrieval
      {"Get", "get k\r\n", V::kGet, {"k"}},
      {"GetBareNewline", "get k\n", V::kGet, {"k"}},
      {"GetNulEndsTheLine", std::string("get a\0b\r\n", 9), V::kGet, {"a"}},  // as memcached's strlen sees it
      {"GetMany", "get a b c\r\n", V::kGet, {"a", "b", "c"}},
      {"GetRunsOfSpaces", "get   a  b \r\n", V::kGet, {"a", "b"}},
      {"GetKey250", "get " + kKey250 + "\r\n", V::kGet, {kKey250}},
      {"GetPunctuationKey", "get user:42/profile?x=1&y=\xc3\xa9\r\n", V::kGet, {"user:42/profile?x=1&y=\xc3\xa9"}},
      {"GetNoreplyIsAKey", "get k noreply\r\n", V::kGet, {"k", "noreply"}},
      {"Gets", "gets a b\r\n", V::kGets, {"a", "b"}},
      {"Gat", "gat 10 k\r\n", V::kGat, {"k"}},
      {"GatMany", "gat 0 a b\r\n", V::kGat, {"a", "b"}},
      {"GatsNegativeExptime", "gats -1 k\r\n", V::kGats, {"k"}},
      // storage
      {"Set", "set k 0 0 5\r\nhello\r\n", V::kSet, {"k"}, false, "hello"},
      {"SetNoreply", "set k 1 2 5 noreply\r\nhello\r\n", V::kSet, {"k"}, true, "hello"},
      {"SetEmptyValue", "set k 0 0 0\r\n\r\n", V::kSet, {"k"}, false, ""},
      {"SetValueWithCrlf", "set k 0 0 7\r\nab\r\ncde\r\n", V::kSet, {"k"}, false, "ab\r\ncde"},
      {"SetValueLooksLikeCommand", "set k 0 0 7\r\nget x\r\n\r\n", V::kSet, {"k"}, false, "get x\r\n"},
      {"SetBinaryValue", "set k 0 0 3\r\n\x00\x80\xff\r\n"s, V::kSet, {"k"}, false, "\x00\x80\xff"s},
      {"SetMaxFlagsNegativeExptime", "set k 4294967295 -1 1\r\nx\r\n", V::kSet, {"k"}, false, "x"},
      {"SetExtraTokenIsNotNoreply", "set k 0 0 1 junk\r\nx\r\n", V::kSet, {"k"}, false, "x"},
      {"SetBareNewline", "set k 0 0 1\nx\r\n", V::kSet, {"k"}, false, "x"},
      {"Add", "add k 0 0 1\r\nx\r\n", V::kAdd, {"k"}, false, "x"},
      {"Replace", "replace k 0 0 1 noreply\r\nx\r\n", V::kReplace, {"k"}, true, "x"},
      {"Append", "append k 0 0 2\r\nxy\r\n", V::kAppend, {"k"}, false, "xy"},
      {"Prepend", "prepend k 0 0 2\r\nxy\r\n", V::kPrepend, {"k"}, false, "xy"},
      {"Cas", "cas k 0 0 1 12345\r\nx\r\n", V::kCas, {"k"}, false, "x"},
      {"CasNoreply", "cas k 0 0 1 18446744073709551615 noreply\r\nx\r\n", V::kCas, {"k"}, true, "x"},
      // one key, one line
      {"Delete", "delete k\r\n", V::kDelete, {"k"}},
      {"DeleteNoreply", "delete k noreply\r\n", V::kDelete, {"k"}, true},
      {"DeleteZeroHold", "delete k 0\r\n", V::kDelete, {"k"}},
      {"DeleteZeroHoldNoreply", "delete k 0 noreply\r\n", V::kDelete, {"k"}, true},
      {"DeleteKeyNamedNoreply", "delete noreply\r\n", V::kDelete, {"noreply"}},
      {"Incr", "incr k 1\r\n", V::kIncr, {"k"}},
      {"IncrMaxDelta", "incr k 18446744073709551615\r\n", V::kIncr, {"k"}},
      {"DecrNoreply", "decr k 5 noreply\r\n", V::kDecr, {"k"}, true},
      {"Touch", "touch k 10\r\n", V::kTouch, {"k"}},
      {"TouchNoreply", "touch k -1 noreply\r\n", V::kTouch, {"k"}, true},
      // no key
      {"FlushAll", "flush_all\r\n", V::kFlushAll, {}},
      {"FlushAllDelay", "flush_all 10\r\n", V::kFlushAll, {}},
      {"FlushAllNoreply", "flush_all noreply\r\n", V::kFlushAll, {}, true},
      {"FlushAllDelayNoreply", "flush_all 10 noreply\r\n", V::kFlushAll, {}, true},
      {"Version", "version\r\n", V::kVersion, {}},
      {"Stats", "stats\r\n", V::kStats, {}},
      {"StatsItems", "stats items\r\n", V::kStats, {}},
      {"StatsReset", "stats reset\r\n", V::kStats, {}},
      {"StatsDetailOn", "stats detail on\r\n", V::kStats, {}},
      // meta
      {"MetaGet", "mg k v\r\n", V::kMetaGet, {"k"}},
      {"MetaGetNoFlags", "mg k\r\n", V::kMetaGet, {"k"}},
      {"MetaGetQuiet", "mg k q v k O123\r\n", V::kMetaGet, {"k"}, true},
      {"MetaGetKeyNamedQ", "mg q v\r\n", V::kMetaGet, {"q"}},
      {"MetaGetOpaqueQIsNotQuiet", "mg k Oq v\r\n", V::kMetaGet, {"k"}},
      {"MetaGetBase64", "mg a2V5 b v\r\n", V::kMetaGet, {"a2V5"}, false, "", true},
      {"MetaGetBase64BinaryKey", "mg AAEC/w== b v\r\n", V::kMetaGet, {"AAEC/w=="}, false, "", true},
      {"MetaSet", "ms k 5 T0 F1\r\nhello\r\n", V::kMetaSet, {"k"}, false, "hello"},
      {"MetaSetQuiet", "ms k 2 q\r\nhi\r\n", V::kMetaSet, {"k"}, true, "hi"},
      {"MetaSetEmpty", "ms k 0\r\n\r\n", V::kMetaSet, {"k"}, false, ""},
      {"MetaSetBase64", "ms a2V5 2 b\r\nhi\r\n", V::kMetaSet, {"a2V5"}, false, "hi", true},
      {"MetaDelete", "md k\r\n", V::kMetaDelete, {"k"}},
      {"MetaDeleteQuiet", "md k q I T30\r\n", V::kMetaDelete, {"k"}, true},
      {"MetaArithmetic", "ma k\r\n", V::kMetaArithmetic, {"k"}},
      {"MetaArithmeticFlags", "ma k q v N0 J13 D2 MD\r\n", V::kMetaArithmetic, {"k"}, true},
      {"MetaDebug", "me k\r\n", V::kMetaDebug, {"k"}},
      {"MetaDebugBase64", "me a2V5 b\r\n", V::kMetaDebug, {"a2V5"}, false, "", true},
  };
}

class ForwardTest : public testing::TestWithParam<ForwardCase> {};

TEST_P(ForwardTest, DecodesVerbKeysValueAndNoreply) {
  const ForwardCase& c = GetParam();
  const auto d = decodeOne(c.input);
  ASSERT_EQ(d.status, McDecodeStatus::kRequest) << "reply: " << escape(d.reply);
  EXPECT_EQ(d.consumed, c.input.size());
  EXPECT_EQ(d.verb, c.verb);
  EXPECT_EQ(d.tokens.at(0), mcVerbName(c.verb));
  EXPECT_EQ(d.keys, c.keys);
  EXPECT_EQ(d.noreply, c.noreply);
  EXPECT_EQ(d.value, c.value);
  EXPECT_EQ(d.base64_keys, c.base64);
}

TEST_P(ForwardTest, ConsumesOnlyItsOwnBytes) {
  const ForwardCase& c = GetParam();
  const auto alone = decodeOne(c.input);
  const auto followed = decodeOne(c.input + "get next\r\nset x 0 0 1\r\nx\r\n");
  EXPECT_EQ(followed, alone);
}

TEST_P(ForwardTest, EveryStrictPrefixNeedsMore) {
  const ForwardCase& c = GetParam();
  for (size_t n = 0; n < c.input.size(); ++n) {
    const auto d = decodeOne(std::string_view(c.input).substr(0, n));
    ASSERT_EQ(d.status, McDecodeStatus::kNeedMore) << "prefix of " << n << " bytes";
    ASSERT_EQ(d.consumed, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(McRequest, ForwardTest, testing::ValuesIn(forwardCases()),
                         [](const auto& test_case) { return test_case.param.name; });

TEST(McRequestTest, EveryVerbHasAName) {
  for (int v = 0; v <= static_cast<int>(McVerb::kMetaDebug); ++v) {
    const auto verb = static_cast<McVerb>(v);
    const auto name = mcVerbName(verb);
    ASSERT_NE(name, "?");
    EXPECT_EQ(parseMcVerb(name), verb) << name;
  }
  EXPECT_FALSE(parseMcVerb("GET"));
  EXPECT_FALSE(parseMcVerb("g"));
  EXPECT_FALSE(parseMcVerb(""));
}

TEST(McRequestTest, VerbClasses) {
  EXPECT_TRUE(isRetrieval(McVerb::kGats));
  EXPECT_FALSE(isRetrieval(McVerb::kSet));
  EXPECT_TRUE(isStorage(McVerb::kCas));
  EXPECT_FALSE(isStorage(McVerb::kMetaSet));
  EXPECT_TRUE(hasDataBlock(McVerb::kMetaSet));
  EXPECT_TRUE(hasDataBlock(McVerb::kAppend));
  EXPECT_FALSE(hasDataBlock(McVerb::kMetaGet));
  EXPECT_TRUE(isMeta(McVerb::kMetaNoop));
  EXPECT_FALSE(isMeta(McVerb::kQuit));
}

// Views point into the caller's input: nothing is copied on the way through.
TEST(McRequestTest, TokensKeysAndValueAreViewsOfTheInput) {
  const std::string input = "set  key1 7 0 5 noreply\r\nhello\r\n";
  McRequestDecoder decoder;
  McRequest request;
  const auto result = decoder.decode(input, request);
  ASSERT_EQ(result.status, McDecodeStatus::kRequest);
  const char* begin = input.data();
  const char* end = begin + input.size();
  for (const auto token : request.tokens) {
    EXPECT_GE(token.data(), begin);
    EXPECT_LE(token.data() + token.size(), end);
  }
  EXPECT_EQ(request.tokens,
            (std::vector<std::string_view>{"set", "key1", "7", "0", "5", "noreply"}));
  EXPECT_EQ(request.first_key, 1u);
  EXPECT_EQ(request.key_count, 1u);
  EXPECT_EQ(request.key(0).data(), begin + 5);
  EXPECT_EQ(request.value.data(), begin + 25);
  EXPECT_EQ(request.value, "hello");
}

TEST(McRequestTest, KeyIndexesOfEachShape) {
  McRequestDecoder decoder;
  McRequest request;
  ASSERT_EQ(decoder.decode("gat 5 a b\r\n", request).status, McDecodeStatus::kRequest);
  EXPECT_EQ(request.first_key, 2u);
  EXPECT_EQ(request.key_count, 2u);
  EXPECT_EQ(request.key(1), "b");
  ASSERT_EQ(decoder.decode("ms k 2 T0\r\nhi\r\n", request).status, McDecodeStatus::kRequest);
  EXPECT_EQ(request.first_key, 1u);
  EXPECT_EQ(request.key_count, 1u);
  ASSERT_EQ(decoder.decode("stats slabs\r\n", request).status, McDecodeStatus::kRequest);
  EXPECT_EQ(request.key_count, 0u);
}

// One McRequest is reused for every request of a connection: nothing may leak from the previous one.
TEST(McRequestTest, ReusedRequestIsReset) {
  McRequestDecoder decoder;
  McRequest request;
  ASSERT_EQ(decoder.decode("ms a2V5 2 b q\r\nhi\r\n", request).status, McDecodeStatus::kRequest);
  ASSERT_TRUE(request.noreply);
  ASSERT_TRUE(request.base64_keys);
  ASSERT_EQ(decoder.decode("version\r\n", request).status, McDecodeStatus::kRequest);
  EXPECT_FALSE(request.noreply);
  EXPECT_FALSE(request.base64_keys);
  EXPECT_EQ(request.key_count, 0u);
  EXPECT_TRUE(request.value.empty());
  EXPECT_EQ(request.tokens, (std::vector<std::string_view>{"version"}));
}

TEST(McRequestTest, NeededIsTheWholeStorageRequestOnceTheLineIsKnown) {
  const std::string line = "set k 0 0 10\r\n";
  const auto d = decodeOne(line + "abc");
  EXPECT_EQ(d.status, McDecodeStatus::kNeedMore);
  EXPECT_EQ(d.needed, line.size() + 12);
  const auto meta = decodeOne("ms k 3\r\n");
  EXPECT_EQ(meta.status, McDecodeStatus::kNeedMore);
  EXPECT_EQ(meta.needed, 8u + 5u);
}

TEST(McRequestTest, EmptyInputNeedsMore) {
  EXPECT_EQ(decodeOne("").status, McDecodeStatus::kNeedMore);
}

TEST(McRequestTest, ValidTextKeyBytes) {
  EXPECT_TRUE(isValidTextKey("a"));
  EXPECT_TRUE(isValidTextKey("!~\x80\xff"));
  EXPECT_FALSE(isValidTextKey(""));
  EXPECT_FALSE(isValidTextKey("a b"));
  EXPECT_FALSE(isValidTextKey("a\x7f"));
  EXPECT_FALSE(isValidTextKey("a\tb"));
  EXPECT_FALSE(isValidTextKey("a\rb"));
  EXPECT_FALSE(isValidTextKey(std::string_view("a\0b", 3)));
  EXPECT_FALSE(isValidTextKey("\x1f"));
}

// Every byte value at every position of keys of 1 to 24 bytes (the check reads 8 bytes at a
// time, then one by one), among bytes that are valid on either side of 0x21 and 0x7f.
TEST(McRequestTest, ValidTextKeyBytesAtEveryPosition) {
  for (size_t size = 1; size <= 24; ++size) {
    for (const char filler : {'!', '~', '\x80', '\xff'}) {
      for (size_t at = 0; at < size; ++at) {
        for (int b = 0; b < 256; ++b) {
          std::string key(size, filler);
          key[at] = static_cast<char>(b);
          const bool valid = b > ' ' && b != 0x7f;
          ASSERT_EQ(isValidTextKey(key), valid) << "size " << size << " at " << at << " byte " << b;
        }
      }
    }
  }
}

}  // namespace
}  // namespace vcproxy::codec
