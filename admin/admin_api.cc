#include "admin/admin_api.h"

#include <exception>

#include "admin/auth.h"
#include "admin/handlers.h"

namespace vcproxy::admin {

AdminApi::AdminApi(Service& service, std::string token) : token_(std::move(token)) {
  addAdminRoutes(router_, service);
}

void AdminApi::handle(const HttpRequest& request, const Respond& respond) noexcept {
  // Authentication comes before routing, so that without a token even the list of endpoints
  // (404 versus 405) stays hidden.
  std::string failure;
  try {
    if (auto denied = authorize(request, token_)) {
      respond(std::move(*denied));
      return;
    }
    router_.dispatch(request, respond);
    return;
  } catch (const std::exception& e) {
    failure = std::string("internal error: ") + e.what();
  } catch (...) {
    failure = "internal error";
  }
  // If the handler had already answered, the connection ignores this second answer.
  try {
    respond(errorResponse(500, failure));
  } catch (...) {
  }
}

}  // namespace vcproxy::admin
