// Method + path → handler, with path parameters ("/caches/{name}/valid") and decoded query
// values. Unknown paths answer 404; known paths with another method 405 and an Allow header.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "admin/http_request.h"
#include "admin/http_response.h"

namespace vcproxy::admin {

using ArgMap = std::map<std::string, std::string, std::less<>>;

struct RouteArgs {
  ArgMap path;   // {name} → its percent-decoded segment
  ArgMap query;  // name → percent-decoded value ('+' is a space); the first of duplicates wins

  // The query value, or nullptr when the query does not name it.
  const std::string* queryValue(std::string_view name) const;
};

using Handler = std::function<void(const HttpRequest&, const RouteArgs&, Respond)>;

class Router {
 public:
  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadRequest };
    Kind kind = Kind::kNotFound;
    const Handler* handler = nullptr;
    RouteArgs args;
    std::string allow;  // for kMethodNotAllowed: "GET, PUT"
    std::string error;  // for kBadRequest
  };

  // `pattern` is a path whose segments are literals or "{param}".
  void add(std::string method, std::string_view pattern, Handler handler);

  Match match(std::string_view method, std::string_view target_path, std::string_view query) const;

  // Calls the matching handler, or answers 400 / 404 / 405 itself.
  void dispatch(const HttpRequest& request, const Respond& respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for a parameter
    Handler handler;
  };
  static bool matchSegments(const Route& route, const std::vector<std::string>& segments, ArgMap* params);

  std::vector<Route> routes_;
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). False on a malformed escape.
bool percentDecode(std::string_view in, bool plus_is_space, std::string& out);

// "/a/b%2Fc" → {"a", "b/c"}: split first, then decoded, so an encoded '/' stays in its segment.
// False when the path does not start with '/' or an escape is malformed.
bool splitPath(std::string_view path, std::vector<std::string>& segments);

// "a=1&b=x%20y" → {a: "1", b: "x y"}; a name without '=' gets "". False on a malformed escape.
bool parseQuery(std::string_view query, ArgMap& out);

}  // namespace vcproxy::admin
