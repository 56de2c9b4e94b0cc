// Encoding a decoded request upstream: with the same keys it gives back the input bytes, except
// that noreply / meta q are dropped, runs of spaces collapse and a bare "\n" becomes "\r\n";
// with other keys exactly the key tokens change.
#include "proxy/codec/mc_encode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_util.h"
#include "proxy/codec/base64.h"

namespace vcproxy::codec {
namespace {

using test::encodeSameKeys;
using test::escape;
using namespace std::string_literals;

struct RoundTripCase {
  std::string input;
  std::string encoded;  // empty: identical to input
};

std::ostream& operator<<(std::ostream& os, const RoundTripCase& c) { return os << escape(c.input); }

std::vector<RoundTripCase> roundTripCases() {
  return {
      {"get k\r\n", ""},
      {"get a b c\r\n", ""},
      {"gets a b\r\n", ""},
      {"gat 10 a b\r\n", ""},
      {"gats 0 a\r\n", ""},
      {"get k noreply\r\n", ""},  // a key, not a flag
      {"set k 0 0 5\r\nhello\r\n", ""},
      {"set k 1 2 6\r\nab\r\ncd\r\n", ""},
      {"set k 0 0 3\r\n\x00\x01\x02\r\n"s, ""},
      {"set k 0 0 1 junk\r\nx\r\n", ""},
      {"add k 0 0 1\r\nx\r\n", ""},
      {"replace k 0 0 1\r\nx\r\n", ""},
      {"append k 0 0 1\r\nx\r\n", ""},
      {"prepend k 0 0 1\r\nx\r\n", ""},
      {"cas k 0 0 1 77\r\nx\r\n", ""},
      {"delete k\r\n", ""},
      {"delete k 0\r\n", ""},
      {"delete noreply\r\n", ""},
      {"incr k 5\r\n", ""},
      {"decr k 5\r\n", ""},
      {"touch k 5\r\n", ""},
      {"flush_all\r\n", ""},
      {"flush_all 5\r\n", ""},
      {"version\r\n", ""},
      {"stats slabs\r\n", ""},
      {"mg k v t k O42\r\n", ""},
      {"ms k 2 T0 F5 I\r\nhi\r\n", ""},
      {"md k I\r\n", ""},
      {"ma k v N0 MI D5\r\n", ""},
      {"me k\r\n", ""},
      {"mg a2V5 b v\r\n", ""},
      {"mg k Oq v\r\n", ""},
      // dropped noreply / q
      {"set k 0 0 5 noreply\r\nhello\r\n", "set k 0 0 5\r\nhello\r\n"},
      {"cas k 0 0 1 77 noreply\r\nx\r\n", "cas k 0 0 1 77\r\nx\r\n"},
      {"delete k noreply\r\n", "delete k\r\n"},
      {"delete k 0 noreply\r\n", "delete k 0\r\n"},
      {"incr k 5 noreply\r\n", "incr k 5\r\n"},
      {"touch k 5 noreply\r\n", "touch k 5\r\n"},
      {"flush_all noreply\r\n", "flush_all\r\n"},
      {"flush_all 5 noreply\r\n", "flush_all 5\r\n"},
      {"mg k q v\r\n", "mg k v\r\n"},
      {"mg k v q\r\n", "mg k v\r\n"},
      {"ms k 2 q T0\r\nhi\r\n", "ms k 2 T0\r\nhi\r\n"},
      {"md k q\r\n", "md k\r\n"},
      {"ma k q v\r\n", "ma k v\r\n"},
      {"mg q q v\r\n", "mg q v\r\n"},  // the key q stays, the flag q goes
      // spacing and line ends
      {"get   a  b  \r\n", "get a b\r\n"},
      {"  get a\r\n", "get a\r\n"},
      {"get a\n", "get a\r\n"},
      {"set  k  0 0   1\nx\r\n", "set k 0 0 1\r\nx\r\n"},
      {"mg  k   v\r\n", "mg k v\r\n"},
  };
}

class EncodeRoundTripTest : public testing::TestWithParam<RoundTripCase> {};

TEST_P(EncodeRoundTripTest, SameKeysGiveBackTheInput) {
  const RoundTripCase& c = GetParam();
  McRequestDecoder decoder;
  McRequest request;
  ASSERT_EQ(decoder.decode(c.input, request).status, McDecodeStatus::kRequest);
  EXPECT_EQ(escape(encodeSameKeys(request)), escape(c.encoded.empty() ? c.input : c.encoded));
}

// The encoded request is itself a valid request with the same meaning and no noreply.
TEST_P(EncodeRoundTripTest, EncodedRequestDecodesToTheSameRequest) {
  const RoundTripCase& c = GetParam();
  const auto first = test::decodeOne(c.input);
  McRequestDecoder decoder;
  McRequest request;
  ASSERT_EQ(decoder.decode(c.input, request).status, McDecodeStatus::kRequest);
  const std::string encoded = encodeSameKeys(request);
  const auto second = test::decodeOne(encoded);
  ASSERT_EQ(second.status, McDecodeStatus::kRequest);
  EXPECT_EQ(second.consumed, encoded.size());
  EXPECT_EQ(second.verb, first.verb);
  EXPECT_EQ(second.keys, first.keys);
  EXPECT_EQ(second.value, first.value);
  EXPECT_EQ(second.base64_keys, first.base64_keys);
  EXPECT_FALSE(second.noreply);
}

INSTANTIATE_TEST_SUITE_P(McEncode, EncodeRoundTripTest, testing::ValuesIn(roundTripCases()));

std::string encodeWith(std::string_view input, const std::vector<std::string_view>& keys) {
  McRequestDecoder decoder;
  McRequest request;
  EXPECT_EQ(decoder.decode(input, request).status, McDecodeStatus::kRequest) << escape(input);
  EXPECT_EQ(request.key_count, keys.size());
  std::string out;
  encodeMcRequest(request, keys, out);
  return out;
}

TEST(McEncodeTest, OtherKeysReplaceExactlyTheKeys) {
  EXPECT_EQ(encodeWith("get a b c\r\n", {"v1:a", "v2:b", "c"}), "get v1:a v2:b c\r\n");
  EXPECT_EQ(encodeWith("gat 0 0 a\r\n", {"v1:0", "v1:a"}), "gat 0 v1:0 v1:a\r\n");
  EXPECT_EQ(encodeWith("set 0 0 0 1\r\n0\r\n", {"v1:0"}), "set v1:0 0 0 1\r\n0\r\n");
  EXPECT_EQ(encodeWith("cas k 0 0 1 9 noreply\r\nk\r\n", {"v1:k"}), "cas v1:k 0 0 1 9\r\nk\r\n");
  EXPECT_EQ(encodeWith("delete k 0\r\n", {"x"}), "delete x 0\r\n");
  EXPECT_EQ(encodeWith("incr 5 5\r\n", {"v1:5"}), "incr v1:5 5\r\n");
  EXPECT_EQ(encodeWith("touch k 1\r\n", {"v1:k"}), "touch v1:k 1\r\n");
  EXPECT_EQ(encodeWith("mg k k v\r\n", {"v1:k"}), "mg v1:k k v\r\n");
  EXPECT_EQ(encodeWith("ms q 1 q\r\nq\r\n", {"v1:q"}), "ms v1:q 1\r\nq\r\n");
  EXPECT_EQ(encodeWith("md noreply\r\n", {"v1:noreply"}), "md v1:noreply\r\n");
  EXPECT_EQ(encodeWith("get noreply\r\n", {"v1:noreply"}), "get v1:noreply\r\n");
  EXPECT_EQ(encodeWith("delete noreply noreply\r\n", {"v1:noreply"}), "delete v1:noreply\r\n");
}

TEST(McEncodeTest, Base64KeysAreGivenEncoded) {
  std::string key;
  base64Encode("v1:key", key);
  EXPECT_EQ(encodeWith("mg a2V5 b v\r\n", {key}), "mg " + key + " b v\r\n");
}

TEST(McEncodeTest, KeylessRequestsIgnoreTheKeySpan) {
  EXPECT_EQ(encodeWith("stats items\r\n", {}), "stats items\r\n");
  EXPECT_EQ(encodeWith("version\r\n", {}), "version\r\n");
}

TEST(McEncodeTest, AppendsToTheOutput) {
  McRequestDecoder decoder;
  McRequest request;
  std::string out = "get x\r\n";
  ASSERT_EQ(decoder.decode("set k 0 0 1\r\n1\r\n", request).status, McDecodeStatus::kRequest);
  const std::vector<std::string_view> keys{"k"};
  encodeMcRequest(request, keys, out);
  EXPECT_EQ(out, "get x\r\nset k 0 0 1\r\n1\r\n");
}

}  // namespace
}  // namespace vcproxy::codec
