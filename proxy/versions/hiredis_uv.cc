#include "proxy/versions/hiredis_uv.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace vcproxy::versions {
namespace {

// As redisLibuvPoll in hiredis 1.0: on an error status, wake whatever hiredis waits for.
void pollFixed(uv_poll_t* handle, int status, int events) {
  auto* p = static_cast<redisLibuvEvents*>(handle->data);
  int ready = status != 0 ? p->events : events;
  if (p->context != nullptr && (ready & UV_READABLE)) {
    redisAsyncHandleRead(p->context);
  }
  if (p->context != nullptr && (ready & UV_WRITABLE)) {
    redisAsyncHandleWrite(p->context);
  }
}

void update(redisLibuvEvents* p) {
  if (p->events != 0) {
    uv_poll_start(&p->handle, p->events, pollFixed);
  } else {
    uv_poll_stop(&p->handle);
  }
}

void addRead(void* privdata) {
  auto* p = static_cast<redisLibuvEvents*>(privdata);
  p->events |= UV_READABLE;
  update(p);
}

void delRead(void* privdata) {
  auto* p = static_cast<redisLibuvEvents*>(privdata);
  p->events &= ~UV_READABLE;
  update(p);
}

void addWrite(void* privdata) {
  auto* p = static_cast<redisLibuvEvents*>(privdata);
  p->events |= UV_WRITABLE;
  update(p);
}

void delWrite(void* privdata) {
  auto* p = static_cast<redisLibuvEvents*>(privdata);
  p->events &= ~UV_WRITABLE;
  update(p);
}

}  // namespace

int attachToLoop(redisAsyncContext* context, uv_loop_t* loop) {
  if (redisLibuvAttach(context, loop) != REDIS_OK) {
    return REDIS_ERR;
  }
  // The adapter's handle, its allocation and its cleanup (uv_close, free) stay as they are.
  context->ev.addRead = addRead;
  context->ev.delRead = delRead;
  context->ev.addWrite = addWrite;
  context->ev.delWrite = delWrite;
  return REDIS_OK;
}

}  // namespace vcproxy::versions
