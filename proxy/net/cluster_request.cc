#include "proxy/net/cluster_request.h"

#include "proxy/codec/cluster_topology.h"
#include "proxy/net/redis_cluster.h"

namespace vcproxy::net {

void ClusterMerge::done(uint32_t part, std::string reply) {
  replies[part] = std::move(reply);
  if (--remaining > 0) return;
  std::vector<codec::SplitPart> parts(replies.size());
  for (size_t i = 0; i < parts.size(); ++i) parts[i] = {replies[i], std::move(key_index[i])};
  target->reply = codec::mergeSplitReplies(kind, parts, key_count);
  if (target->client != nullptr) target->client->onReplyReady(*target);
}

void ClusterRequest::onReplyReady(Pending&) {
  if (!cluster_->shuttingDown()) {
    if (const auto redirect = codec::parseRedirect(reply); redirect && redirects_ < kMaxRedirects) {
      ++redirects_;
      if (!redirect->ask) cluster_->moved(redirect->slot, redirect->address);
      const std::string address(redirect->address);  // the reply is overwritten by the resend
      return cluster_->sendTo(address, shared_from_this(), redirect->ask);
    }
    // A multi-key command on a slot being migrated, with its keys on both sides: wait, resend.
    if (reply.starts_with("-TRYAGAIN") && mayWait()) return cluster_->retryLater(shared_from_this());
  }
  complete();
}

void ClusterRequest::fail(std::string error) {
  reply = std::move(error);
  complete();
}

void ClusterRequest::complete() {
  if (merge_) return merge_->done(part_, std::move(reply));
  if (!target_) return;
  target_->reply = std::move(reply);
  if (target_->client != nullptr) target_->client->onReplyReady(*target_);
}

}  // namespace vcproxy::net
