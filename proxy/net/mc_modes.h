// What a cache's mode does to a memcached request (django-versionedcache's debug modes):
//   bypass      reads miss, writes are dropped (answered as if they had happened);
//   write-only  reads miss, writes are stored.
// Pure functions over a decoded request, so they are unit-tested without sockets.
#pragma once

#include <string>

#include "proxy/codec/mc_request.h"

namespace vcproxy::net {

// Commands that only read: their keys in a bypass or write-only cache are misses.
bool isMcRead(codec::McVerb verb);

// The reply memcached would give if the request's keys did not exist (reads) or if the write
// had been applied (writes in bypass): END, EN, STORED, HD, NOT_FOUND, NF... with the meta
// `O` and `k` flags echoed. Empty when the client asked for no reply (noreply, or q for
// nominal answers).
std::string missOrDroppedReply(const codec::McRequest& request);

}  // namespace vcproxy::net
