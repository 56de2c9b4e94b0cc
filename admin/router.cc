#include "admin/router.h"

#include <algorithm>

namespace vcproxy::admin {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> splitPattern(std::string_view pattern) {
  std::vector<std::string> segments;
  size_t start = 1;  // patterns always begin with '/'
  while (start <= pattern.size()) {
    size_t end = pattern.find('/', start);
    if (end == std::string_view::npos) end = pattern.size();
    segments.emplace_back(pattern.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

}  // namespace

const std::string* RouteArgs::queryValue(std::string_view name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

bool percentDecode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hexValue(in[i + 1]);
      const int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool splitPath(std::string_view path, std::vector<std::string>& segments) {
  segments.clear();
  if (path.empty() || path.front() != '/') return false;
  for (const std::string& raw : splitPattern(path)) {
    std::string decoded;
    if (!percentDecode(raw, false, decoded)) return false;
    segments.push_back(std::move(decoded));
  }
  return true;
}

bool parseQuery(std::string_view query, ArgMap& out) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!percentDecode(pair.substr(0, eq), true, name)) return false;
    if (eq != std::string_view::npos && !percentDecode(pair.substr(eq + 1), true, value)) return false;
    out.emplace(std::move(name), std::move(value));  // emplace keeps the first of duplicates
  }
  return true;
}

void Router::add(std::string method, std::string_view pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), splitPattern(pattern), std::move(handler)});
}

bool Router::matchSegments(const Route& route, const std::vector<std::string>& segments, ArgMap* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (isParam(want)) {
      if (segments[i].empty()) return false;  // "/caches//valid" names no cache
      if (params) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view target_path, std::string_view query) const {
  Match result;
  std::vector<std::string> segments;
  if (!splitPath(target_path, segments)) {
    result.kind = Match::Kind::kBadRequest;
    result.error = "path: invalid percent-encoding or not absolute";
    return result;
  }
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    if (!matchSegments(route, segments, nullptr)) continue;
    if (route.method != method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) allowed.push_back(route.method);
      continue;
    }
    matchSegments(route, segments, &result.args.path);
    if (!parseQuery(query, result.args.query)) {
      result.kind = Match::Kind::kBadRequest;
      result.error = "query: invalid percent-encoding";
      return result;
    }
    result.kind = Match::Kind::kFound;
    result.handler = &route.handler;
    return result;
  }
  if (!allowed.empty()) {
    result.kind = Match::Kind::kMethodNotAllowed;
    for (const std::string& m : allowed) result.allow += (result.allow.empty() ? "" : ", ") + m;
  }
  return result;
}

void Router::dispatch(const HttpRequest& request, const Respond& respond) const {
  Match found = match(request.method, request.path, request.query);
  switch (found.kind) {
    case Match::Kind::kFound:
      (*found.handler)(request, found.args, respond);
      return;
    case Match::Kind::kBadRequest:
      respond(errorResponse(400, found.error));
      return;
    case Match::Kind::kMethodNotAllowed: {
      HttpResponse response = errorResponse(405, "method " + request.method + " not allowed on " + request.path +
                                                     "; allowed: " + found.allow);
      response.headers.emplace_back("Allow", found.allow);
      respond(std::move(response));
      return;
    }
    case Match::Kind::kNotFound:
      respond(errorResponse(404, "no such endpoint: " + request.path));
      return;
  }
}

}  // namespace vcproxy::admin
