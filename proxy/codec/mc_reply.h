// Replies from a memcached backend: framing, restoring the client's keys, quiet mode.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "proxy/codec/mc_verb.h"

namespace vcproxy::codec {

enum class McReplyStatus : uint8_t { kComplete, kNeedMore, kInvalid };

struct McReplyFrame {
  McReplyStatus status = McReplyStatus::kNeedMore;
  size_t size = 0;    // kComplete: bytes of the whole reply; kNeedMore: bytes already checked
  size_t needed = 0;  // kNeedMore inside a data block: bytes the reply takes at least (0: unknown)
};

// Frames the reply to a request of `verb` at the start of `input`. kInvalid means the backend
// said something that is not a memcached reply: the connection cannot be trusted any more.
// A multi-get reply arrives in many reads: `resume_at`, the size of the last kNeedMore answer
// for this same reply, lets framing go on from there rather than walk every VALUE again.
McReplyFrame frameMcReply(McVerb verb, std::string_view input, size_t resume_at = 0);

// Maps a key from the backend back to the client's key (always a suffix of it).
using KeyRestoreFn = std::string_view (*)(std::string_view stored_key);

// Offered each data block (value and "\r\n") of a reply being restored: true if it takes the
// block (to send it from where it is; it belongs at the current end of `out`), false to have it
// copied into `out`.
using TakeBlockFn = std::function<bool(std::string_view block)>;

// Appends `reply` to `out` with every key it carries restored: VALUE lines, the meta `k` flag,
// the key of `ME`. A returned key is taken as base64 when it decodes to a versioned key (memcached
// writes keys of binary items in base64, whatever the request said). `reply` must be one complete,
// framed reply (see frameMcReply). Returns the number of VALUE entries restored (retrieval).
size_t restoreMcReply(McVerb verb, std::string_view reply, KeyRestoreFn restore, std::string& out,
                      const TakeBlockFn& take_block = nullptr);

// Calls `visit` with the key of every VALUE line of a complete retrieval reply.
void forEachValueKey(std::string_view reply, const std::function<void(std::string_view key)>& visit);

// Calls `visit(key, entry)` for every VALUE entry of a complete retrieval reply, `entry` being its
// VALUE line and data block with their "\r\n"s; returns the offset of what follows (END or an error).
size_t forEachValueEntry(std::string_view reply,
                         const std::function<void(std::string_view key, std::string_view entry)>& visit);

// True for the nominal replies a client in quiet mode (meta `q`) must not see:
// EN for mg, HD for ms and md, HD or VA for ma. Errors and misses of writes are always shown.
bool isHiddenByQuietMode(McVerb verb, std::string_view reply);

}  // namespace vcproxy::codec
