// Attaching a hiredis async context to a libuv loop.
#pragma once

#include <uv.h>

struct redisAsyncContext;

namespace vcproxy::versions {

// redisLibuvAttach(), plus the fix hiredis 1.0 made to its libuv adapter: hiredis 0.14 (Debian
// bookworm) ignores a poll error status, and libuv reports a refused connect or a reset
// connection only as such a status (and stops the poll), so hiredis would never notice. Our poll
// callback hands errors to hiredis as read/write readiness; its read or write then fails and it
// reports the real error ("Connection refused"). REDIS_OK or REDIS_ERR.
int attachToLoop(redisAsyncContext* context, uv_loop_t* loop);

}  // namespace vcproxy::versions
