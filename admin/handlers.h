// The endpoints of the admin API (ARCHITECTURE.md §5), answering from a Service.
#pragma once

#include "admin/router.h"
#include "admin/service.h"

namespace vcproxy::admin {

// Registers every endpoint on `router`. `service` must outlive the router. Answers given later
// (from the Service's `done` callbacks) touch neither the router nor anything registered here,
// and nothing thrown while composing them escapes into the Service's callback: the client gets
// a 500 instead.
void addAdminRoutes(Router& router, Service& service);

}  // namespace vcproxy::admin
