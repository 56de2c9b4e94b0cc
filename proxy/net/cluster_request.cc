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

namespace {

bool asksToRetry(std::string_view reply) {
  return reply.starts_with("-TRYAGAIN") || codec::parseRedirect(reply).has_value();
}

}  // namespace

std::string_view ClusterRequest::decisive() const {
  if (steps_ > 0 && reply.starts_with("-EXECABORT") && !step_problem_.empty()) return step_problem_;
  return reply;
}

bool ClusterRequest::replicaCannotServe() const {
  // Only error replies are looked at (the message is built then, not for every reply).
  return on_replica_ && reply.starts_with('-') &&
         (reply.starts_with("-ERR backend " + sent_to_ + " ") || reply.starts_with("-LOADING ") ||
          reply.starts_with("-MASTERDOWN "));
}

void ClusterRequest::onReplyReady(Pending& pending) {
  if (&pending != this) {  // a step of a batch
    if (step_problem_.empty() && asksToRetry(pending.reply)) step_problem_ = pending.reply;
    return;
  }
  if (!cluster_->shuttingDown()) {
    if (replicaCannotServe()) {
      masters_only_ = true;
      cluster_->requestRefresh();  // the map may list it no longer
      return cluster_->send(shared_from_this());
    }
    const std::string decisive_reply(decisive());
    step_problem_.clear();
    const auto redirect = codec::parseRedirect(decisive_reply);
    // ASKING holds for one command only, not for a transaction's: a batch waits for the migration.
    if (redirect && redirects_ < kMaxRedirects && !(redirect->ask && steps_ > 0)) {
      ++redirects_;
      const std::string target = codec::redirectTarget(redirect->address, sent_to_);
      if (!redirect->ask) cluster_->moved(redirect->slot, target);
      return cluster_->sendTo(target, shared_from_this(), redirect->ask);
    }
    // A multi-key command on a slot being migrated, with its keys on both sides: wait, resend.
    if ((redirect || decisive_reply.starts_with("-TRYAGAIN")) && mayWait()) {
      return cluster_->retryLater(shared_from_this());
    }
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
