// Helpers shared by the codec tests: owning snapshots of decode results, a pipeline feeder that
// behaves like ClientConn (accumulate, decode until kNeedMore, honour `skip`), and a key
// restore function that strips a version prefix.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/codec/mc_reply.h"
#include "proxy/codec/mc_request.h"

namespace vcproxy::codec::test {

// The prefix the tests' "rewriter" adds and the restore function strips.
inline constexpr std::string_view kPrefix = "v1:";

// KeyRestoreFn: strips kPrefix when present, else returns the key unchanged.
std::string_view stripPrefix(std::string_view stored_key);

// Everything a decode produced, copied out of the input so it can be compared after the input is gone.
struct Decoded {
  McDecodeStatus status = McDecodeStatus::kNeedMore;
  size_t consumed = 0;
  size_t skip = 0;
  size_t needed = 0;
  std::string reply;
  bool close = false;
  // kRequest only:
  McVerb verb = McVerb::kGet;
  std::vector<std::string> tokens;
  std::vector<std::string> keys;
  std::string value;
  bool noreply = false;
  bool base64_keys = false;

  bool operator==(const Decoded&) const = default;
};

Decoded snapshot(const McDecodeResult& result, const McRequest& request);
Decoded decodeOne(std::string_view input, McLimits limits = {});

// Decodes a stream delivered in the given chunks, as a connection would: appends each chunk to
// a buffer, decodes until kNeedMore, drops consumed bytes and any `skip` (which may span chunks),
// stops at `close`. Returns every kRequest/kAnswer in order; `needed` is not compared (it depends
// on how much was buffered), so it is zeroed.
std::vector<Decoded> decodeStream(const std::vector<std::string_view>& chunks, McLimits limits = {});

// Splits `input` into chunks at the given sizes (the last chunk takes the rest).
std::vector<std::string_view> splitEvery(std::string_view input, size_t size);
std::vector<std::string_view> splitRandomly(std::string_view input, unsigned seed, size_t max_chunk);

// The keys of `request` as views, and the same keys with kPrefix added.
std::vector<std::string_view> keysOf(const McRequest& request);
std::string encodeSameKeys(const McRequest& request);

// Gtest-printable text for byte strings with control characters.
std::string escape(std::string_view bytes);

}  // namespace vcproxy::codec::test
