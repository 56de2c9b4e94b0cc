// Per-cache hit counting from memcached replies (the reads and writes are counted on requests).
#pragma once

#include <cstddef>
#include <string_view>

#include "proxy/net/pending.h"

namespace vcproxy::net {

class Worker;

// Hits of `pending` from its backend `reply`, before its keys are restored. `values`: the VALUE
// entries the restore walk found, enough when the request had keys of one cache only.
void countMcHits(Worker& worker, const Pending& pending, std::string_view reply, size_t values);

}  // namespace vcproxy::net
