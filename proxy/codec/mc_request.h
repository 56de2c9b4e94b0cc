// Decoding of memcached text and meta requests from a client's input buffer.
//
// A decoded request refers to the input by views: nothing is copied. The caller keeps the input
// alive and unchanged until it has encoded the request upstream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "proxy/codec/mc_verb.h"

namespace vcproxy::codec {

inline constexpr size_t kMaxKeyLength = 250;  // memcached's KEY_MAX_LENGTH

struct McLimits {
  size_t max_value_bytes = 1024 * 1024;  // larger data blocks are refused and skipped
  size_t max_line_bytes = 64 * 1024;     // a longer line closes the connection
};

struct McRequest {
  McVerb verb = McVerb::kGet;
  std::vector<std::string_view> tokens;  // tokens[0] is the verb; reused between requests
  uint32_t first_key = 0;                // index of the first key token
  uint32_t key_count = 0;                // keys are tokens[first_key, first_key + key_count)
  bool noreply = false;                  // text `noreply` or meta `q`: the client wants no nominal reply
  bool base64_keys = false;              // meta `b`: key tokens are base64
  std::string_view value;                // data block without its "\r\n" (storage and ms)

  std::string_view key(uint32_t i) const { return tokens[first_key + i]; }
};

enum class McDecodeStatus : uint8_t {
  kRequest,   // a request to forward: `request` is filled
  kAnswer,    // answered by the proxy itself: send `reply` (may be empty) in order
  kNeedMore,  // not a complete request yet
};

struct McDecodeResult {
  McDecodeStatus status = McDecodeStatus::kNeedMore;
  size_t consumed = 0;     // bytes of input used by this request or answer
  size_t skip = 0;         // kAnswer: further bytes to discard (a refused data block), may exceed the input
  size_t needed = 0;       // kNeedMore: total bytes the request needs, when known (for buffer growth)
  std::string_view reply;  // kAnswer: the complete reply, "\r\n" included; empty = nothing to send
  bool close = false;      // kAnswer: close the connection once the replies before it are sent
};

class McRequestDecoder {
 public:
  explicit McRequestDecoder(McLimits limits = {}) : limits_(limits) {}
  McDecodeResult decode(std::string_view input, McRequest& request) const;

 private:
  McLimits limits_;
};

// Key bytes memcached's text protocol cannot carry safely: control bytes, space and DEL.
bool isValidTextKey(std::string_view key);

}  // namespace vcproxy::codec
