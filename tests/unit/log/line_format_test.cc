// Log lines in both formats: one line per record whatever the bytes, valid JSON in JSON mode.
#include "proxy/log/line_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <string>

namespace vcproxy::log {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTime = "2026-11-21T06:48:40.123Z";

TEST(LogLineTest, TextHasTimeLevelMessageAndFields) {
  const std::array<Field, 2> fields{Field{"listener", "mc"}, Field{"reason", "idle for 100 ms"}};
  EXPECT_EQ(formatText({kTime, "info", "client closed", fields}),
            "2026-11-21T06:48:40.123Z info client closed listener=mc reason=\"idle for 100 ms\"\n");
}

TEST(LogLineTest, TextEscapesControlBytesSoARecordIsOneLine) {
  const std::string message = "bad key \"a\r\nb\" \x01\x7f end\\";
  const std::string line = formatText({kTime, "warn", message, {}});
  EXPECT_EQ(line, "2026-11-21T06:48:40.123Z warn bad key \"a\\x0d\\x0ab\" \\x01\\x7f end\\\\\n");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(LogLineTest, JsonHasTheStandardMembersThenFields) {
  const std::array<Field, 1> fields{Field{"listener", "redis"}};
  const std::string line = formatJson({kTime, "error", "refused", fields});
  EXPECT_EQ(line, "{\"ts\":\"2026-11-21T06:48:40.123Z\",\"level\":\"error\",\"msg\":\"refused\",\"listener\":\"redis\"}\n");
}

TEST(LogLineTest, JsonStaysValidForAnyBytes) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  const std::array<Field, 1> fields{Field{"key", every_byte}};
  const std::string line = formatJson({kTime, "info", every_byte + "\xe2\x82\xac \xed\xa0\x80 \xc0\xaf", fields});
  ASSERT_EQ(line.find('\n'), line.size() - 1);
  const Json doc = Json::parse(line, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << line;
  const std::string msg = doc["msg"];
  EXPECT_EQ(msg.substr(0, 128), every_byte.substr(0, 128)) << "ASCII, control bytes included, round-trips";
  EXPECT_NE(msg.find("\xe2\x82\xac"), std::string::npos) << "valid UTF-8 is kept";
  EXPECT_NE(msg.find("\xef\xbf\xbd"), std::string::npos) << "invalid bytes become U+FFFD";
  EXPECT_EQ(msg.find("\xed\xa0\x80"), std::string::npos) << "a surrogate is not valid UTF-8";
  EXPECT_EQ(doc["key"].get<std::string>().substr(0, 128), every_byte.substr(0, 128));
}

TEST(LogLineTest, FormatsAndLevelsParse) {
  Format format = Format::kText;
  EXPECT_TRUE(parseFormat("json", format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_TRUE(parseFormat("text", format));
  EXPECT_EQ(format, Format::kText);
  EXPECT_FALSE(parseFormat("JSON", format));
  EXPECT_FALSE(parseFormat("", format));
  Level level = Level::kInfo;
  EXPECT_TRUE(parseLevel("debug", level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(parseLevel("verbose", level));
}

}  // namespace
}  // namespace vcproxy::log
