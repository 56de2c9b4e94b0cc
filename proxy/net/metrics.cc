#include "proxy/net/metrics.h"

namespace vcproxy::net {

void Histogram::observe(uint64_t nanos) {
  const double seconds = static_cast<double>(nanos) / 1e9;
  size_t i = 0;
  while (i < kLatencyBounds.size() && seconds > kLatencyBounds[i]) ++i;
  buckets_[i].add();
  count_.add();
  sum_nanos_.add(nanos);
}

}  // namespace vcproxy::net
