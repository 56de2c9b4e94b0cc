// Malformed requests get exactly the answer memcached itself gives, and the connection stays
// usable: each case is sent straight to memcached and through vcproxy, and the bytes compared.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness/proxy_test.h"
#include "tests/integration/harness/text_client.h"

namespace vcproxy::test {
namespace {

struct Case {
  const char* name;
  std::string bytes;
};

std::vector<Case> malformedCases() {
  const std::string long_key(251, 'a');
  return {
      {"unknown command", "bogus\r\n"},
      {"empty line", "\r\n"},
      {"verbs are case-sensitive", "GET k\r\n"},
      {"get without key", "get\r\n"},
      {"key over 250 bytes", "get " + long_key + "\r\n"},
      {"set missing length", "set k 0 0\r\n"},
      {"set length not a number", "set k 0 0 abc\r\n"},
      {"set negative length", "set k 0 0 -1\r\n"},
      {"set bad data chunk", "set k 0 0 3\r\nabcd\r\n"},
      {"set value over 1 MiB", "set k 0 0 2000000\r\n" + std::string(2000000, 'v') + "\r\n"},
      {"set noreply with bad length stays silent", "set k 0 0 abc noreply\r\n"},
      {"cas missing unique", "cas k 0 0 1\r\n"},
      {"delete with a hold time", "delete k 5\r\n"},
      {"delete without key", "delete\r\n"},
      {"incr delta not a number", "incr k abc\r\n"},
      {"incr noreply error stays silent", "incr k abc noreply\r\n"},
      {"incr without delta", "incr k\r\n"},
      {"touch exptime not a number", "touch k abc\r\n"},
      {"gat exptime not a number", "gat abc k\r\n"},
      {"gat without key", "gat\r\n"},
      {"verbosity without level", "verbosity\r\n"},
      {"flush_all delay not a number", "flush_all abc\r\n"},
      {"mg without key", "mg\r\n"},
      {"mg invalid flag", "mg k zz\r\n"},
      {"mg invalid base64 key", "mg !!!! b v\r\n"},
      {"ms length not a number", "ms k abc\r\n"},
      {"ms bad data chunk", "ms k 2\r\nabcd\r\n"},
      {"ms value over 1 MiB", "ms k 2000000\r\n" + std::string(2000000, 'v') + "\r\n"},
  };
}

// Sends `bytes` then `mn` (answered MN by both) and returns everything up to that MN.
std::string exchange(uint16_t port, const std::string& bytes) {
  TextClient client(port);
  EXPECT_TRUE(client.send(bytes + "mn\r\n"));
  ReadResult result = client.readUntil("MN\r\n");
  return result.ok() ? result.data : "<" + result.error + "> " + result.data;
}

using MalformedTest = MemcacheProxyTest;

TEST_F(MalformedTest, AnswersAsMemcachedDoesAndStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(startProxy({{"all", {"*"}}}));
  for (const Case& c : malformedCases()) {
    SCOPED_TRACE(c.name);
    const std::string direct = exchange(backend().port(), c.bytes);
    const std::string proxied = exchange(proxyPort(), c.bytes);
    EXPECT_EQ(proxied, direct);
  }
}

}  // namespace
}  // namespace vcproxy::test
