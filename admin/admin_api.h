// The admin API without sockets: authentication, routing and the endpoints, so that the HTTP
// layer's decisions are testable request by request.
#pragma once

#include <string>

#include "admin/http_request.h"
#include "admin/http_response.h"
#include "admin/router.h"
#include "admin/service.h"

namespace vcproxy::admin {

class AdminApi {
 public:
  // `token` empty: no authentication. `service` must outlive this object.
  AdminApi(Service& service, std::string token);

  // Answers one request through `respond`, exactly once, now or later on the loop thread.
  // Nothing thrown escapes: a failing handler answers 500.
  void handle(const HttpRequest& request, const Respond& respond) noexcept;

 private:
  std::string token_;
  Router router_;
};

}  // namespace vcproxy::admin
