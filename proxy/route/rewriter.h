#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/route/matcher.h"
#include "proxy/route/version_table.h"

namespace vcproxy::route {

enum class RewriteStatus {
  kUnchanged,  // the key belongs to no cache: forward it as is
  kRewritten,  // out holds the versioned key
  kReserved,   // the key starts with kReservedMarker: refuse it
  kTooLong,    // the key (or its versioned form) exceeds the protocol limit: refuse it
};

// "unchanged", "rewritten", "reserved", "too-long": for logs, stats and errors.
std::string_view rewriteStatusName(RewriteStatus status);

// Maps a client key to the key stored in the backend. Holds the matcher and the
// version table together because their cache ids must agree; cheap to copy
// (two shared_ptrs), immutable, no allocation per rewrite once `out` has capacity.
class Rewriter {
 public:
  // Throws std::invalid_argument if a pointer is null or the two disagree on
  // the number of caches (a matcher id without a version would leak keys).
  Rewriter(std::shared_ptr<const Matcher> matcher, std::shared_ptr<const VersionTable> versions);

  // kUnchanged: out untouched (still kTooLong if key.size() > max_key_len).
  // kRewritten: out = keyPrefix(cache) + key (cleared first, capacity reused).
  // kReserved: the key starts with kReservedMarker (checked first).
  // kTooLong: the versioned key would exceed max_key_len; out untouched.
  // *cache_id (if given) = the matched cache, or Matcher::kNoCache.
  RewriteStatus rewrite(std::string_view key, size_t max_key_len, std::string& out,
                        uint32_t* cache_id = nullptr) const;

  // The client's key inside a key that came back from the backend (reply
  // keys), or `stored` itself if it is not a versioned key.
  static std::string_view restore(std::string_view stored);

  // The same matcher with another version table (after an invalidation or a
  // mode change). Throws like the constructor.
  Rewriter withVersions(std::shared_ptr<const VersionTable> versions) const;

  const Matcher& matcher() const { return *matcher_; }
  const VersionTable& versions() const { return *versions_; }
  std::shared_ptr<const Matcher> matcherPtr() const { return matcher_; }
  std::shared_ptr<const VersionTable> versionsPtr() const { return versions_; }

 private:
  std::shared_ptr<const Matcher> matcher_;
  std::shared_ptr<const VersionTable> versions_;
};

}  // namespace vcproxy::route
