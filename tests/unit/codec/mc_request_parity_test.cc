// Parity with memcached 1.6.18 on the edges of its parser (each case checked against a real
// memcached). The property that matters most: a request the proxy forwards upstream must get
// exactly one reply from memcached, or FIFO matching of the shared connection breaks; so the
// proxy must see `noreply`, `q` and `b` exactly where memcached sees them.
//
// memcached's rules, from proto_text.c:
//  - text commands (storage, delete, incr/decr, touch, flush_all, verbosity): the *last* token
//    equal to "noreply" sets noreply, whatever position it is in (set_noreply_maybe), and then
//    silences every reply, errors included;
//  - meta flags are recognised by their first character only: "qx" is q, "bq" is b;
//  - the line is a C string: it ends at the first NUL byte (tokenize_command uses strlen).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "proxy/codec/mc_encode.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::codec {
namespace {

using test::decodeOne;
using test::encodeSameKeys;
using test::escape;
using namespace std::string_literals;

// memcached answers nothing to these: either the proxy answers them silently itself, or it
// forwards them marked noreply with the noreply token gone (so upstream answers exactly once).
void expectSilentLikeMemcached(const std::string& input) {
  McRequestDecoder decoder;
  McRequest request;
  const auto result = decoder.decode(input, request);
  ASSERT_NE(result.status, McDecodeStatus::kNeedMore) << escape(input);
  if (result.status == McDecodeStatus::kAnswer) {
    EXPECT_EQ(escape(result.reply), "") << escape(input);
    return;
  }
  EXPECT_TRUE(request.noreply) << escape(input) << " is forwarded but memcached will not answer it";
  const std::string encoded = encodeSameKeys(request);
  const std::string line = encoded.substr(0, encoded.find('\n') + 1);
  EXPECT_FALSE(line.ends_with(" noreply\r\n")) << escape(encoded);
}

// Forwarded as-is, memcached would set noreply from the last token, fail to parse the level and
// stay silent: the upstream connection would then have one reply missing.
TEST(McRequestParityTest, VerbosityNoreplyIsSilent) { expectSilentLikeMemcached("verbosity noreply\r\n"); }

// BUG (minor): "verbosity noreply" is forwarded as "verbosity", which the proxy itself refuses
// (ERROR): a round trip upstream for an error the proxy then hides. flush_all already answers its
// own bad requests silently; verbosity without a level should too (found by fuzz_mc_roundtrip).
TEST(McRequestParityTest, VerbosityWithoutLevelIsAnsweredSilently) {
  const auto d = decodeOne("verbosity noreply\r\n");
  EXPECT_EQ(d.status, McDecodeStatus::kAnswer);
  EXPECT_EQ(d.reply, "");
}

// Whatever the proxy forwards must not end in a `noreply` token: memcached would not answer it.
void expectOneUpstreamReply(const std::string& input) {
  McRequestDecoder decoder;
  McRequest request;
  if (decoder.decode(input, request).status != McDecodeStatus::kRequest) return;
  const std::string encoded = encodeSameKeys(request);
  EXPECT_FALSE(encoded.substr(0, encoded.find('\n') + 1).ends_with(" noreply\r\n"))
      << escape(input) << " is forwarded as " << escape(encoded) << ", which memcached does not answer";
}

// BUG (severe): only the last noreply is dropped, so "verbosity 1 noreply noreply" goes upstream
// as "verbosity 1 noreply": memcached stays silent and the shared connection loses FIFO.
TEST(McRequestParityTest, DoubleNoreplyIsNeverForwarded) {
  expectSilentLikeMemcached("verbosity noreply noreply\r\n");
  for (const char* input : {"verbosity noreply noreply\r\n", "verbosity 1 noreply noreply\r\n",
                            "verbosity x noreply noreply\r\n", "incr k noreply noreply\r\n",
                            "touch k noreply noreply\r\n", "delete k noreply noreply\r\n",
                            "flush_all noreply noreply\r\n", "set k 0 0 1 noreply noreply\r\nx\r\n",
                            "cas k 0 0 1 noreply noreply\r\nx\r\n"}) {
    expectOneUpstreamReply(input);
  }
}

// memcached checks the token count before noreply: "verbosity 1 2 noreply" gets ERROR, shown.
TEST(McRequestParityTest, VerbosityTooManyTokensIsAnError) {
  for (const char* input : {"verbosity 1 2 3\r\n", "verbosity 1 2 noreply\r\n"}) {
    McRequestDecoder decoder;
    McRequest request;
    const auto result = decoder.decode(input, request);
    if (result.status == McDecodeStatus::kAnswer) {
      EXPECT_EQ(result.reply, "ERROR\r\n") << input;
    } else {
      ASSERT_EQ(result.status, McDecodeStatus::kRequest);
      EXPECT_FALSE(request.noreply) << input << ": memcached shows its ERROR";
      expectOneUpstreamReply(input);
    }
  }
}

// noreply in the place of a number: memcached sets noreply, then the number fails, silently.
TEST(McRequestParityTest, IncrNoreplyInDeltaPlaceIsSilent) { expectSilentLikeMemcached("incr k noreply\r\n"); }
TEST(McRequestParityTest, TouchNoreplyInExptimePlaceIsSilent) {
  expectSilentLikeMemcached("touch k noreply\r\n");
}
TEST(McRequestParityTest, SetNoreplyInLengthPlaceIsSilent) { expectSilentLikeMemcached("set k 0 0 noreply\r\n"); }
TEST(McRequestParityTest, CasNoreplyInCasPlaceIsSilentAndSkipsTheBlock) {
  expectSilentLikeMemcached("cas k 0 0 5 noreply\r\nhello\r\n");
  EXPECT_EQ(decodeOne("cas k 0 0 5 noreply\r\nhello\r\n").skip, 7u);  // length readable: vcproxy skips
}

// Meta flags are one character; memcached ignores what follows it in the token.
void expectQuietMeta(const std::string& input) {
  McRequestDecoder decoder;
  McRequest request;
  const auto result = decoder.decode(input, request);
  ASSERT_EQ(result.status, McDecodeStatus::kRequest) << escape(input);
  EXPECT_TRUE(request.noreply) << escape(input) << ": memcached reads this as quiet mode";
  const std::string encoded = encodeSameKeys(request);
  const std::string line = encoded.substr(0, encoded.find('\n'));
  std::vector<std::string_view> tokens;
  for (size_t at = 0; at < line.size();) {
    const size_t end = std::min(line.find(' ', at), line.size());
    tokens.emplace_back(std::string_view(line).substr(at, end - at));
    at = end + 1;
  }
  const size_t first_flag = request.verb == McVerb::kMetaSet ? 3 : 2;
  for (size_t i = first_flag; i < tokens.size(); ++i) {
    EXPECT_FALSE(tokens[i].starts_with('q')) << "upstream would stay quiet: " << escape(encoded);
  }
}

// BUG (severe): "qx" is forwarded, memcached hides the EN/HD, upstream is one reply short.
TEST(McRequestParityTest, MetaGetQuietFlagIsItsFirstCharacter) { expectQuietMeta("mg nokey qx v\r\n"); }
TEST(McRequestParityTest, MetaSetQuietFlagIsItsFirstCharacter) { expectQuietMeta("ms k 2 qz\r\nhi\r\n"); }
TEST(McRequestParityTest, MetaDeleteQuietFlagIsItsFirstCharacter) { expectQuietMeta("md k q1\r\n"); }
TEST(McRequestParityTest, MetaArithmeticQuietFlagIsItsFirstCharacter) { expectQuietMeta("ma k qq v\r\n"); }

// BUG (severe): memcached decodes the key as base64 for "bx" or "bq"; the proxy treats it as a
// text key, so the rewriter versions the base64 text and memcached then decodes something else.
// A client can so reach any stored key, versioned ones included, bypassing the reserved prefix.
TEST(McRequestParityTest, MetaBase64FlagIsItsFirstCharacter) {
  EXPECT_TRUE(decodeOne("mg a2V5 bx v\r\n").base64_keys);
  EXPECT_TRUE(decodeOne("ms a2V5 2 bq\r\nhi\r\n").base64_keys);
  EXPECT_EQ(decodeOne("mg k bx v\r\n").reply, "CLIENT_ERROR error decoding key\r\n");
}

// me is different: 1.6.18 only takes a third token that is exactly "b" (checked), so "bx" is
// text, and so is a "b" further on. BUG (minor): the proxy takes "b" anywhere after the key, so
// for "me <key> x b" it rewrites the key as base64 and memcached looks it up as text.
TEST(McRequestParityTest, MetaDebugBase64FlagIsExactlyTheThirdToken) {
  EXPECT_FALSE(decodeOne("me a2V5 bx\r\n").base64_keys);
  EXPECT_TRUE(decodeOne("me a2V5 b\r\n").base64_keys);
  EXPECT_TRUE(decodeOne("me a2V5 b x\r\n").base64_keys);
  EXPECT_FALSE(decodeOne("me a2V5 x b\r\n").base64_keys);
}

// BUG (severe): memcached's tokenizer stops at the first NUL, so "noreply\0" is noreply to it and
// it answers nothing, while the proxy forwards the line as a normal request expecting one reply.
TEST(McRequestParityTest, NulEndsTheLineForMemcached) {
  for (const std::string& input : std::vector<std::string>{"incr k 1 noreply\0\r\n"s, "set k 0 0 1 noreply\0\r\nx\r\n"s,
                                  "delete k noreply\0junk\r\n"s, "mg k v q\0\r\n"s}) {
    McRequestDecoder decoder;
    McRequest request;
    const auto result = decoder.decode(input, request);
    ASSERT_NE(result.status, McDecodeStatus::kNeedMore);
    if (result.status == McDecodeStatus::kRequest) {
      const std::string encoded = encodeSameKeys(request);
      EXPECT_EQ(encoded.substr(0, encoded.find('\n')).find('\0'), std::string::npos)
          << escape(input) << " forwarded as " << escape(encoded);
    }
  }
}

// memcached 1.6.18 answers "version <anything>" with its version.
TEST(McRequestParityTest, VersionIgnoresArguments) {
  EXPECT_EQ(decodeOne("version foo\r\n").status, McDecodeStatus::kRequest);
}

// BUG (minor): without a key, memcached says ERROR to ms and "bad command line format" to me.
TEST(McRequestParityTest, MetaSetWithoutKeyIsError) { EXPECT_EQ(decodeOne("ms\r\n").reply, "ERROR\r\n"); }
TEST(McRequestParityTest, MetaDebugWithoutKeyIsBadFormat) {
  EXPECT_EQ(decodeOne("me\r\n").reply, "CLIENT_ERROR bad command line format\r\n");
}

// BUG (minor): memcached checks the key length before the number of incr/decr/touch.
TEST(McRequestParityTest, KeyLengthIsCheckedBeforeTheNumber) {
  const std::string key(251, 'k');
  EXPECT_EQ(decodeOne("incr " + key + " abc\r\n").reply, "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(decodeOne("decr " + key + " abc\r\n").reply, "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(decodeOne("touch " + key + " abc\r\n").reply, "CLIENT_ERROR bad command line format\r\n");
}

// Already right (kept so a fix of the above does not break them).
TEST(McRequestParityTest, GatChecksExptimeBeforeKeys) {
  EXPECT_EQ(decodeOne("gat abc " + std::string(251, 'k') + "\r\n").reply,
            "CLIENT_ERROR invalid exptime argument\r\n");
}

TEST(McRequestParityTest, OpaqueStartingWithQIsNotQuiet) {
  const auto d = decodeOne("mg k Oq v\r\n");
  EXPECT_FALSE(d.noreply);
}

TEST(McRequestParityTest, QuietFlagIsDroppedUpstream) {
  McRequestDecoder decoder;
  McRequest request;
  ASSERT_EQ(decoder.decode("md k q T10\r\n", request).status, McDecodeStatus::kRequest);
  EXPECT_EQ(encodeSameKeys(request), "md k T10\r\n");
}

}  // namespace
}  // namespace vcproxy::codec
