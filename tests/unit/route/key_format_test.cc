#include "proxy/route/key_format.h"

#include <gtest/gtest.h>

#include <string>

namespace vcproxy::route {
namespace {

TEST(KeyFormatTest, MakeKeyPrefix) {
  EXPECT_EQ(makeKeyPrefix("shop-v42", "bans", "Ab3dE9xZ"), "~vc:shop-v42:bans:Ab3dE9xZ:");
  EXPECT_EQ(makeKeyPrefix("", "bans", "Ab3dE9xZ"), "~vc::bans:Ab3dE9xZ:");
}

TEST(KeyFormatTest, HasReservedMarker) {
  EXPECT_TRUE(hasReservedMarker("~vc:"));
  EXPECT_TRUE(hasReservedMarker("~vc::bans:Ab3dE9xZ:k"));
  EXPECT_TRUE(hasReservedMarker("~vc:anything"));
  EXPECT_FALSE(hasReservedMarker(""));
  EXPECT_FALSE(hasReservedMarker("~vc"));
  EXPECT_FALSE(hasReservedMarker("~VC:x"));
  EXPECT_FALSE(hasReservedMarker("x~vc:"));
  EXPECT_FALSE(hasReservedMarker(" ~vc:"));
}

TEST(KeyFormatTest, RoundTripWithNamespace) {
  std::string stored = makeKeyPrefix("shop-v42", "bans", "Ab3dE9xZ") + "misago:bans:1";
  auto parsed = parseVersionedKey(stored);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->ns, "shop-v42");
  EXPECT_EQ(parsed->cache, "bans");
  EXPECT_EQ(parsed->version, "Ab3dE9xZ");
  EXPECT_EQ(parsed->key, "misago:bans:1");
}

TEST(KeyFormatTest, RoundTripWithoutNamespace) {
  auto parsed = parseVersionedKey("~vc::bans:Ab3dE9xZ:misago:bans:1");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->ns, "");
  EXPECT_EQ(parsed->cache, "bans");
  EXPECT_EQ(parsed->version, "Ab3dE9xZ");
  EXPECT_EQ(parsed->key, "misago:bans:1");
}

TEST(KeyFormatTest, OriginalKeyMayLookVersionedOrBeEmpty) {
  auto nested = parseVersionedKey("~vc:n:c:Ab3dE9xZ:~vc:x:y:Ab3dE9xZ:k");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->key, "~vc:x:y:Ab3dE9xZ:k");
  auto empty = parseVersionedKey("~vc:n:c:Ab3dE9xZ:");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->key, "");
}

TEST(KeyFormatTest, RejectsMalformedVersionedKeys) {
  const char* malformed[] = {
      "",
      "misago:bans:1",
      "vc::bans:Ab3dE9xZ:k",       // no marker
      "~VC::bans:Ab3dE9xZ:k",      // marker is case sensitive
      "~vc:",                      // no fields
      "~vc:ns",                    // one unterminated field
      "~vc:ns:bans",               // two fields
      "~vc:ns:bans:Ab3dE9xZ",      // version not terminated
      "~vc:ns::Ab3dE9xZ:k",        // empty cache name
      "~vc:ns:bans:short:k",       // version too short
      "~vc:ns:bans:Ab3dE9xZZ:k",   // version too long
      "~vc:ns:bans:Ab3dE9x!:k",    // bad version byte
      "~vc:ns:bans::Ab3dE9xZ:k",   // empty version field
      "~vc:bans:Ab3dE9xZ:k",       // namespace field missing
  };
  for (const char* stored : malformed) {
    EXPECT_FALSE(parseVersionedKey(stored)) << stored;
  }
}

}  // namespace
}  // namespace vcproxy::route
