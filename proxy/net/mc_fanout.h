// One client request answered by several backends of a pool:
//   kValues  a multi-key get/gets/gat/gats split by backend; the VALUE entries come back merged
//            in the client's key order, ending with one END. A backend that failed makes its
//            keys misses (as libmemcached's mget does) unless every backend failed: then the
//            first error is the answer.
//   kAllOk   a command sent to every backend (flush_all, verbosity): OK when every one said OK,
//            else the first other answer.
// The client's slot is filled once every part has answered; parts keep the fan-out alive.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/net/pending.h"

namespace vcproxy::net {

class McFanout final : public ReplySink {
 public:
  enum class Merge : uint8_t { kValues, kAllOk };
  static constexpr uint32_t kNoPart = UINT32_MAX;

  McFanout(PendingPtr slot, Merge merge) : slot_(std::move(slot)), merge_(merge) {}

  // kValues: the client's keys in order, each with the part that asks for it (kNoPart: a key
  // left out, a miss).
  void addKey(std::string_view key, uint32_t part) {
    keys_.emplace_back(key);
    key_parts_.push_back(part);
  }
  // The next part, sent upstream: its slot, shaped like `model`, to push on its connection.
  static PendingPtr addPart(const std::shared_ptr<McFanout>& self, const Pending& model);
  // The next part, answered already (its backend is down): `reply` is the error.
  void addFailedPart(std::string reply);
  // Every part is added: the merge happens once the last one answered (now, if all failed).
  void start();

  void onReplyReady(Pending& part) override;
  void onUnsolicited(PendingPtr, const Pending*) override {}

 private:
  void finish();
  void mergeValues(std::string& out) const;
  void mergeAllOk(std::string& out) const;

  PendingPtr slot_;
  Merge merge_;
  std::vector<PendingPtr> parts_;
  size_t waiting_ = 0;
  bool started_ = false;
  std::vector<std::string> keys_;
  std::vector<uint32_t> key_parts_;
};

}  // namespace vcproxy::net
