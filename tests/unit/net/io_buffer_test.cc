// The input buffer: lent bytes are never written over, whatever the buffer does next.
#include "proxy/net/io_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace vcproxy::net {
namespace {

void put(IoBuffer& buffer, std::string_view bytes) {
  auto [data, size] = buffer.writable(bytes.size());
  ASSERT_GE(size, bytes.size());
  bytes.copy(data, bytes.size());
  buffer.commit(bytes.size());
}

TEST(IoBufferTest, BorrowedBytesCannotBeLentUntilKept) {
  IoBuffer buffer;
  const std::string scratch = "get a\r\nget";
  buffer.borrow(scratch.data(), scratch.size());
  EXPECT_EQ(buffer.share(), nullptr);  // the scratch buffer is reused by the next read
  buffer.consume(7);
  buffer.keepLeftover();
  ASSERT_NE(buffer.share(), nullptr);
  EXPECT_EQ(buffer.readable(), "get");
}

TEST(IoBufferTest, LentBytesSurviveCompactionGrowthAndEmptying) {
  for (const bool keep_storage : {false, true}) {
    IoBuffer buffer(keep_storage);
    put(buffer, std::string(3000, 'a') + "LENT" + std::string(100, 'b'));
    const std::shared_ptr<const char[]> block = buffer.share();
    const std::string_view lent(buffer.readable().data() + 3000, 4);
    buffer.consume(3050);                 // most of it is gone: the next write would compact
    put(buffer, std::string(3000, 'c'));  // ... and then needs more room than the block has
    EXPECT_EQ(lent, "LENT");
    buffer.consume(buffer.size());        // empty: a kept block would be written from its front
    put(buffer, std::string(4000, 'd'));
    EXPECT_EQ(lent, "LENT") << "keep_storage " << keep_storage;
    EXPECT_NE(buffer.share(), block);
  }
}

// Moving off a lent block: the new block holds what is left plus the room asked for, however the
// old block's size compares with either.
TEST(IoBufferTest, MovesOffALentBlockKeepingEveryByte) {
  IoBuffer buffer(true);
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes += std::to_string(i % 10);
  put(buffer, bytes + bytes + bytes + bytes);  // 12,000 bytes: more than the first block
  const std::shared_ptr<const char[]> block = buffer.share();
  buffer.consume(1);
  auto [data, size] = buffer.writable(16 * 1024);
  EXPECT_GE(size, 16u * 1024);
  EXPECT_EQ(buffer.readable(), (bytes + bytes + bytes + bytes).substr(1));
  EXPECT_NE(buffer.readable().data(), block.get() + 1);
}

TEST(IoBufferTest, KeptStorageIsReusedOnlyWhenNotLent) {
  IoBuffer lent(true);
  put(lent, "one");
  const std::shared_ptr<const char[]> block = lent.share();
  lent.consume(3);
  put(lent, "two");
  EXPECT_NE(lent.readable().data(), block.get());  // emptied while lent: a new block

  IoBuffer unshared(true);
  put(unshared, "one");
  const char* front = unshared.readable().data();
  unshared.consume(3);
  put(unshared, "two");
  EXPECT_EQ(unshared.readable().data(), front);  // nobody holds it: written again from its front

  IoBuffer released(false);
  put(released, "one");
  released.consume(3);
  EXPECT_EQ(released.share(), nullptr);  // a client's buffer is given back once empty
}

}  // namespace
}  // namespace vcproxy::net
