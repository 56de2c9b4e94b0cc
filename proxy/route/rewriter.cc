#include "proxy/route/rewriter.h"

#include <stdexcept>
#include <utility>

#include "proxy/route/key_format.h"

namespace vcproxy::route {

std::string_view rewriteStatusName(RewriteStatus status) {
  switch (status) {
    case RewriteStatus::kUnchanged:
      return "unchanged";
    case RewriteStatus::kRewritten:
      return "rewritten";
    case RewriteStatus::kReserved:
      return "reserved";
    case RewriteStatus::kTooLong:
      return "too-long";
  }
  return "unknown";
}

Rewriter::Rewriter(std::shared_ptr<const Matcher> matcher, std::shared_ptr<const VersionTable> versions)
    : matcher_(std::move(matcher)), versions_(std::move(versions)) {
  if (!matcher_ || !versions_) {
    throw std::invalid_argument("Rewriter needs a matcher and a version table");
  }
  if (matcher_->cacheCount() != versions_->size()) {
    throw std::invalid_argument("Rewriter: matcher and version table disagree on the number of caches");
  }
}

RewriteStatus Rewriter::rewrite(std::string_view key, size_t max_key_len, std::string& out,
                                uint32_t* cache_id) const {
  uint32_t id = Matcher::kNoCache;
  RewriteStatus status = RewriteStatus::kReserved;
  if (!hasReservedMarker(key)) {
    id = matcher_->match(key);
    if (id == Matcher::kNoCache) {
      status = key.size() > max_key_len ? RewriteStatus::kTooLong : RewriteStatus::kUnchanged;
    } else {
      const std::string& prefix = versions_->keyPrefix(id);
      // Compared without adding, so a huge max_key_len cannot overflow.
      if (key.size() > max_key_len || prefix.size() > max_key_len - key.size()) {
        status = RewriteStatus::kTooLong;
      } else {
        out.clear();
        out.append(prefix).append(key);
        status = RewriteStatus::kRewritten;
      }
    }
  }
  if (cache_id != nullptr) {
    *cache_id = id;
  }
  return status;
}

std::string_view Rewriter::restore(std::string_view stored) {
  std::optional<VersionedKey> parsed = parseVersionedKey(stored);
  return parsed ? parsed->key : stored;
}

Rewriter Rewriter::withVersions(std::shared_ptr<const VersionTable> versions) const {
  return Rewriter(matcher_, std::move(versions));
}

}  // namespace vcproxy::route
