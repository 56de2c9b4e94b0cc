#include "admin/handlers.h"

#include <nlohmann/json.hpp>

#include <exception>
#include <optional>
#include <utility>

#include "admin/openapi_doc.h"

namespace vcproxy::admin {
namespace {

// ordered_json keeps the fields in the order the contract lists them, for humans reading curl.
using Json = nlohmann::ordered_json;

constexpr const char* kModes[] = {"normal", "bypass", "write-only"};

std::string dump(const Json& doc) {
  // Keys are arbitrary bytes; invalid UTF-8 becomes U+FFFD rather than an exception.
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

HttpResponse ok(const Json& doc) { return jsonResponse(200, dump(doc)); }

HttpResponse failureResponse(const Failure& failure) {
  const bool valid = failure.status >= 400 && failure.status <= 599;
  return errorResponse(valid ? failure.status : 500, failure.error);
}

HttpResponse unknownCache(const std::string& name) { return errorResponse(404, "unknown cache \"" + name + "\""); }

Json cacheJson(const CacheInfo& cache) {
  return Json{{"name", cache.name},
              {"version", cache.version},
              {"patterns", cache.patterns},
              {"mode", cache.mode},
              {"version_age_seconds", cache.version_age_seconds}};
}

Json invalidationJson(const Invalidation& one) {
  return Json{{"name", one.name}, {"version", one.version}, {"previous", one.previous}};
}

Json invalidationsJson(const std::vector<Invalidation>& all) {
  Json list = Json::array();
  for (const Invalidation& one : all) list.push_back(invalidationJson(one));
  return Json{{"caches", std::move(list)}};
}

// Wraps a completion handed to the Service: `fn(respond, args...)`, and a 500 if it throws.
template <typename Fn>
auto guarded(Respond respond, Fn fn) {
  return [respond = std::move(respond), fn = std::move(fn)](auto... args) mutable {
    try {
      fn(respond, std::move(args)...);
    } catch (const std::exception& e) {
      respond(errorResponse(500, std::string("internal error: ") + e.what()));
    } catch (...) {
      respond(errorResponse(500, "internal error"));
    }
  };
}

// The body as a JSON object, or nullopt with a message for a 400.
std::optional<Json> parseObject(const std::string& body, std::string& error) {
  if (body.empty()) {
    error = "body: expected a JSON object, got an empty body";
    return std::nullopt;
  }
  Json doc;
  try {
    doc = Json::parse(body);
  } catch (const Json::parse_error& e) {
    error = "body: invalid JSON at byte " + std::to_string(e.byte);  // 1-based, as nlohmann counts
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = "body: expected a JSON object";
    return std::nullopt;
  }
  return doc;
}

bool readCacheNames(const Json& doc, std::vector<std::string>& names, std::string& error) {
  const auto it = doc.find("caches");
  bool valid = it != doc.end() && it->is_array();
  if (valid) {
    for (const Json& item : *it) {
      valid = valid && item.is_string() && !item.get_ref<const std::string&>().empty();
      if (valid) names.push_back(item.get<std::string>());
    }
  }
  if (!valid) {
    error = R"(body: "caches" must be a list of cache names)";
  } else if (names.empty()) {
    error = R"(body: "caches" must name at least one cache)";
  }
  return error.empty();
}

bool readMode(const Json& doc, std::string& mode, std::string& error) {
  const auto it = doc.find("mode");
  if (it != doc.end() && it->is_string()) {
    for (const char* known : kModes) {
      if (it->get_ref<const std::string&>() == known) {
        mode = known;
        return true;
      }
    }
  }
  error = R"(body: "mode" must be one of "normal", "bypass", "write-only")";
  return false;
}

HttpResponse healthResponse(const Health& health, const char* what) {
  if (health.ok) return ok(Json{{"ok", true}});
  std::string summary = std::string(what);
  for (size_t i = 0; i < health.reasons.size(); ++i) summary += (i ? "; " : ": ") + health.reasons[i];
  return jsonResponse(503, dump(Json{{"ok", false}, {"error", summary}, {"reasons", health.reasons}}));
}

void listCaches(Service& service, const RouteArgs&, const Respond& respond) {
  Json list = Json::array();
  for (const CacheInfo& cache : service.caches()) list.push_back(cacheJson(cache));
  respond(ok(Json{{"caches", std::move(list)}}));
}

void getCache(Service& service, const RouteArgs& args, const Respond& respond) {
  const std::string& name = args.path.at("name");
  const std::optional<CacheInfo> cache = service.cache(name);
  respond(cache ? ok(cacheJson(*cache)) : unknownCache(name));
}

void checkValid(Service& service, const RouteArgs& args, const Respond& respond) {
  const std::string& name = args.path.at("name");
  const std::string* version = args.queryValue("version");
  if (!version) return respond(errorResponse(400, R"(query: "version" is required)"));
  const std::optional<CacheInfo> cache = service.cache(name);
  if (!cache) return respond(unknownCache(name));
  respond(ok(Json{{"valid", *version == cache->version}}));
}

void invalidateOne(Service& service, const RouteArgs& args, const Respond& respond) {
  const std::string name = args.path.at("name");
  if (!service.cache(name)) return respond(unknownCache(name));
  service.invalidate({name}, false,
                     guarded(respond, [name](const Respond& reply, std::vector<Invalidation> done, Failure failure) {
                       if (!failure.error.empty()) return reply(failureResponse(failure));
                       for (const Invalidation& one : done) {
                         if (one.name == name) return reply(ok(invalidationJson(one)));
                       }
                       reply(errorResponse(500, "no new version was reported for cache \"" + name + "\""));
                     }));
}

void answerInvalidations(const Respond& reply, std::vector<Invalidation> done, Failure failure) {
  reply(failure.error.empty() ? ok(invalidationsJson(done)) : failureResponse(failure));
}

void invalidateMany(Service& service, const HttpRequest& request, const Respond& respond) {
  std::string error;
  std::vector<std::string> names;
  const std::optional<Json> doc = parseObject(request.body, error);
  if (!doc || !readCacheNames(*doc, names, error)) return respond(errorResponse(400, error));
  for (const std::string& name : names) {
    if (!service.cache(name)) return respond(unknownCache(name));
  }
  service.invalidate(std::move(names), false, guarded(respond, &answerInvalidations));
}

void setMode(Service& service, const HttpRequest& request, const RouteArgs& args, const Respond& respond) {
  const std::string& name = args.path.at("name");
  if (!service.cache(name)) return respond(unknownCache(name));
  std::string error;
  std::string mode;
  const std::optional<Json> doc = parseObject(request.body, error);
  if (!doc || !readMode(*doc, mode, error)) return respond(errorResponse(400, error));
  service.setMode(name, mode,
                  guarded(respond, [name](const Respond& reply, std::optional<CacheInfo> cache, Failure failure) {
                    if (!failure.error.empty()) return reply(failureResponse(failure));
                    reply(cache ? ok(cacheJson(*cache)) : unknownCache(name));
                  }));
}

void explainKey(Service& service, const RouteArgs& args, const Respond& respond) {
  const std::string* key = args.queryValue("key");
  if (!key || key->empty()) return respond(errorResponse(400, R"(query: "key" is required)"));
  const ExplainResult result = service.explain(*key);
  Json doc{{"key", result.key},
           {"cache", result.cache ? Json(*result.cache) : Json(nullptr)},
           {"rewritten", result.rewritten}};
  if (!result.error.empty()) doc["error"] = result.error;  // the key would be refused
  respond(ok(doc));
}

void deleteKey(Service& service, const RouteArgs& args, const Respond& respond) {
  service.deleteKey(args.path.at("listener"), args.path.at("key"),
                    guarded(respond, [](const Respond& reply, bool deleted, Failure failure) {
                      reply(failure.error.empty() ? ok(Json{{"deleted", deleted}}) : failureResponse(failure));
                    }));
}

void reload(Service& service, const Respond& respond) {
  service.reload(guarded(respond, [](const Respond& reply, std::vector<std::string> errors) {
    if (errors.empty()) return reply(ok(Json{{"ok", true}}));
    const std::string summary = "reload failed with " + std::to_string(errors.size()) +
                                " error(s); the running config is unchanged";
    reply(jsonResponse(400, dump(Json{{"ok", false}, {"error", summary}, {"errors", errors}})));
  }));
}

void metrics(Service& service, const Respond& respond) {
  HttpResponse response;
  response.content_type = std::string(kMetricsContentType);
  response.body = service.metrics();
  respond(std::move(response));
}

}  // namespace

void addAdminRoutes(Router& router, Service& service) {
  Service* s = &service;
  router.add("GET", "/caches", [s](const HttpRequest&, const RouteArgs& a, Respond r) { listCaches(*s, a, r); });
  router.add("GET", "/caches/{name}", [s](const HttpRequest&, const RouteArgs& a, Respond r) { getCache(*s, a, r); });
  router.add("GET", "/caches/{name}/valid",
             [s](const HttpRequest&, const RouteArgs& a, Respond r) { checkValid(*s, a, r); });
  router.add("POST", "/caches/{name}/invalidate",
             [s](const HttpRequest&, const RouteArgs& a, Respond r) { invalidateOne(*s, a, r); });
  router.add("PUT", "/caches/{name}/mode",
             [s](const HttpRequest& q, const RouteArgs& a, Respond r) { setMode(*s, q, a, r); });
  router.add("POST", "/invalidate",
             [s](const HttpRequest& q, const RouteArgs&, Respond r) { invalidateMany(*s, q, r); });
  router.add("POST", "/invalidate-all", [s](const HttpRequest&, const RouteArgs&, Respond r) {
    s->invalidate({}, true, guarded(std::move(r), &answerInvalidations));
  });
  router.add("GET", "/explain", [s](const HttpRequest&, const RouteArgs& a, Respond r) { explainKey(*s, a, r); });
  router.add("DELETE", "/listeners/{listener}/keys/{key}",
             [s](const HttpRequest&, const RouteArgs& a, Respond r) { deleteKey(*s, a, r); });
  router.add("POST", "/reload", [s](const HttpRequest&, const RouteArgs&, Respond r) { reload(*s, r); });
  router.add("GET", "/healthz",
             [s](const HttpRequest&, const RouteArgs&, Respond r) { r(healthResponse(s->liveness(), "not alive")); });
  router.add("GET", "/readyz",
             [s](const HttpRequest&, const RouteArgs&, Respond r) { r(healthResponse(s->readiness(), "not ready")); });
  router.add("GET", "/metrics", [s](const HttpRequest&, const RouteArgs&, Respond r) { metrics(*s, r); });
  router.add("GET", "/openapi.json", [](const HttpRequest&, const RouteArgs&, Respond r) {
    r(jsonResponse(200, std::string(openApiDocument())));
  });
}

}  // namespace vcproxy::admin
