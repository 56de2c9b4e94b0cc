#include "proxy/pool/pool_state.h"

#include <algorithm>

namespace vcproxy::pool {

PoolState::PoolState(std::vector<PoolMember> members, EjectPolicy policy)
    : members_(std::move(members)), policy_(policy), health_(members_.size()) {
  policy_.failure_limit = std::max<uint32_t>(1, policy_.failure_limit);
  single_ = members_.size() == 1 && !policy_.auto_eject;
  continuum_ = Continuum::build(members_);
  live_.assign(members_.size(), true);
}

uint32_t PoolState::serverFor(std::string_view key, uint64_t now_ms) {
  if (single_) return 0;
  if (now_ms >= next_retry_ms_) readmitDue(now_ms);
  const uint32_t hash = ketamaKeyHash(key);
  return ejected_count_ == 0 ? continuum_.serverForHash(hash) : continuum_.serverForHash(hash, live_);
}

void PoolState::onFailure(uint32_t server, uint64_t now_ms) {
  Health& health = health_[server];
  health.connected = false;
  if (health.ejected) return;  // failed probes while out change nothing
  ++health.failures;
  if (!policy_.auto_eject || health.failures < policy_.failure_limit) return;
  health.ejected = true;
  health.failures = 0;
  health.retry_at_ms = now_ms + policy_.retry_timeout_ms;
  next_retry_ms_ = std::min(next_retry_ms_, health.retry_at_ms);
  ++ejections_;
  changed();
}

void PoolState::onConnected(uint32_t server, uint64_t now_ms) {
  Health& health = health_[server];
  health.connected = true;
  // Only a reply clears the count: a server that accepts connections but never answers (frozen)
  // keeps failing by timeouts and stays down (or gets ejected).
  if (health.ejected && now_ms >= health.retry_at_ms) readmitDue(now_ms);
}

void PoolState::onReply(uint32_t server) {
  if (!health_[server].ejected) health_[server].failures = 0;
}

// Ejected servers whose retry time has come return once a connection to them is up; the others
// wait for their next successful connect (the connection retries in the background, with backoff).
void PoolState::readmitDue(uint64_t now_ms) {
  bool readmitted = false;
  next_retry_ms_ = UINT64_MAX;
  for (Health& health : health_) {
    if (!health.ejected) continue;
    if (now_ms >= health.retry_at_ms && health.connected) {
      health.ejected = false;
      health.failures = 0;
      readmitted = true;
    } else if (now_ms < health.retry_at_ms) {
      next_retry_ms_ = std::min(next_retry_ms_, health.retry_at_ms);
    }
  }
  if (readmitted) changed();
}

void PoolState::changed() {
  ejected_count_ = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    live_[i] = !health_[i].ejected;
    ejected_count_ += live_[i] ? 0 : 1;
  }
  ++generation_;
}

}  // namespace vcproxy::pool
