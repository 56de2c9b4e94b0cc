#include "proxy/net/mc_fanout.h"

#include <string_view>
#include <utility>

#include "proxy/codec/mc_reply.h"

namespace vcproxy::net {

PendingPtr McFanout::addPart(const std::shared_ptr<McFanout>& self, const Pending& model) {
  auto part = std::make_shared<Pending>();
  part->verb = model.verb;
  part->keys_rewritten = model.keys_rewritten;
  part->cache_id = model.cache_id;
  part->one_cache = model.one_cache;
  part->client = self.get();
  part->keep_alive = self;
  self->parts_.push_back(part);
  ++self->waiting_;
  return part;
}

void McFanout::addFailedPart(std::string reply) {
  auto part = std::make_shared<Pending>();
  part->reply = std::move(reply);
  part->ready = true;
  parts_.push_back(std::move(part));
}

void McFanout::start() {
  started_ = true;
  if (waiting_ == 0) finish();
}

void McFanout::onReplyReady(Pending& part) {
  part.ready = true;
  if (--waiting_ == 0 && started_) finish();
}

void McFanout::finish() {
  std::string& out = slot_->reply;
  out.clear();
  if (merge_ == Merge::kValues) {
    mergeValues(out);
  } else {
    mergeAllOk(out);
  }
  if (slot_->noreply) out.clear();
  if (slot_->client != nullptr) slot_->client->onReplyReady(*slot_);
  // Breaks the parts' references back to this fan-out; the caller (the upstream that delivered
  // the last part, or the client that started it) still holds one, so this object outlives the call.
  parts_.clear();
}

// Each part lists its keys' entries in the order it asked for them, so walking the client's keys
// and taking the next entry of each key's part (when it names that key) restores the client's order.
void McFanout::mergeValues(std::string& out) const {
  struct Entry {
    std::string_view key;
    std::string_view bytes;
  };
  std::vector<std::vector<Entry>> entries(parts_.size());
  std::string_view first_error;
  size_t failed = 0;
  for (size_t p = 0; p < parts_.size(); ++p) {
    const std::string_view reply = parts_[p]->reply;
    const size_t end = codec::forEachValueEntry(reply, [&](std::string_view key, std::string_view bytes) {
      entries[p].push_back({key, bytes});
    });
    if (reply.substr(end) != "END\r\n") {
      ++failed;
      if (first_error.empty()) first_error = reply.substr(end);
      entries[p].clear();  // a reply cut short by an error: its keys are misses
    }
  }
  if (failed == parts_.size() && !first_error.empty()) {
    out.assign(first_error);
    return;
  }
  std::vector<size_t> next(parts_.size(), 0);
  for (size_t i = 0; i < keys_.size(); ++i) {
    const uint32_t p = key_parts_[i];
    if (p == kNoPart || next[p] >= entries[p].size() || entries[p][next[p]].key != keys_[i]) continue;
    out.append(entries[p][next[p]++].bytes);
  }
  out.append("END\r\n");
}

void McFanout::mergeAllOk(std::string& out) const {
  if (parts_.empty()) {
    out = "SERVER_ERROR no backend of the pool is in: every one is ejected after failures\r\n";
    return;
  }
  for (const PendingPtr& part : parts_) {
    if (part->reply != "OK\r\n") {
      out = part->reply;
      return;
    }
  }
  out = "OK\r\n";
}

}  // namespace vcproxy::net
