#include "config/backends.h"

#include <array>
#include <charconv>

#include "config/endpoint.h"

namespace vcproxy::config {
namespace {

constexpr uint64_t kMaxWeight = 10000;
constexpr uint64_t kMaxFailureLimit = 1000;
constexpr uint64_t kMaxRetryTimeoutMs = 86400000;
constexpr std::array<std::string_view, 2> kBackendKeys = {"address", "weight"};
// As for every endpoint; a weight is written "host:port:weight" or {address: ..., weight: N}.
constexpr std::string_view kBackendForms = "host:port, [v6]:port or unix:/absolute/path";

// "host:port:weight": the weight is what follows the last ':' when the rest is an endpoint.
std::optional<Endpoint> parseWeighted(std::string_view text, std::string& why) {
  std::optional<Endpoint> endpoint = parseEndpoint(text, &why);
  if (endpoint || text.starts_with("unix:")) return endpoint;
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view digits = text.substr(colon + 1);
  uint64_t weight = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), weight);
  std::string inner_why;
  endpoint = parseEndpoint(text.substr(0, colon), &inner_why);
  if (!endpoint) return std::nullopt;  // keep the first reason: the text is not host:port[:weight]
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || weight < 1 ||
      weight > kMaxWeight) {
    why = "the weight after the port must be an integer 1.." + std::to_string(kMaxWeight);
    return std::nullopt;
  }
  endpoint->weight = static_cast<uint32_t>(weight);
  return endpoint;
}

std::optional<Endpoint> readBackendString(const Field& field, Diagnostics& diag) {
  if (field.node.IsSequence()) {
    reportExpected(diag, field, kBackendForms, "quote IPv6 endpoints: \"[::1]:11211\"");
    return std::nullopt;
  }
  std::optional<std::string> text = readString(field, kBackendForms, diag);
  if (!text) return std::nullopt;
  std::string why;
  std::optional<Endpoint> endpoint = parseWeighted(*text, why);
  if (!endpoint) reportExpected(diag, field, kBackendForms, why);
  return endpoint;
}

std::optional<Endpoint> readBackendMap(const Field& field, Diagnostics& diag) {
  MapView map(field, kBackendKeys, diag);
  std::optional<Endpoint> endpoint;
  if (auto f = map.required("address")) endpoint = readEndpoint(*f, diag);
  uint32_t weight = 1;
  if (auto f = map.optional("weight")) {
    if (auto value = readInteger(*f, 1, kMaxWeight, diag)) weight = static_cast<uint32_t>(*value);
  }
  if (endpoint) endpoint->weight = weight;
  return endpoint;
}

void addBackend(const Field& item, Endpoint endpoint, Listener& listener, Diagnostics& diag) {
  for (const Endpoint& earlier : listener.backends) {
    if (sameAddress(earlier, endpoint)) {
      diag.add(item.mark, item.path + ": backend " + quote(endpoint.text) +
                              " is listed twice; expected each backend once");
      break;
    }
  }
  listener.backends.push_back(std::move(endpoint));
}

}  // namespace

void readBackends(const Field& field, Listener& listener, Diagnostics& diag) {
  if (field.node.IsScalar()) {
    if (auto endpoint = readBackendString(field, diag)) listener.backends.push_back(*endpoint);
    return;
  }
  if (!field.node.IsSequence() || field.node.size() == 0) {
    reportExpected(diag, field, "a non-empty list of backend endpoints");
    return;
  }
  for (const Field& item : itemsOf(field)) {
    std::optional<Endpoint> endpoint =
        item.node.IsMap() ? readBackendMap(item, diag) : readBackendString(item, diag);
    if (endpoint) addBackend(item, std::move(*endpoint), listener, diag);
  }
  if (listener.protocol == Protocol::kRedis && !listener.cluster && field.node.size() > 1) {
    diag.add(field.mark, field.path + ": a redis listener takes one backend (pools with consistent "
                                      "hashing are memcache only; for the seed nodes of a Redis Cluster, "
                                      "add cluster: true)");
  }
}

void readPoolOptions(const MapView& map, Listener& listener, Diagnostics& diag) {
  if (auto f = map.optional("server_failure_limit")) {
    if (auto value = readInteger(*f, 1, kMaxFailureLimit, diag)) {
      listener.server_failure_limit = static_cast<uint32_t>(*value);
    }
  }
  if (auto f = map.optional("auto_eject_hosts")) {
    const std::string text = f->node.IsScalar() ? f->node.Scalar() : std::string();
    if (text == "true" || text == "false") {
      listener.auto_eject_hosts = text == "true";
    } else {
      reportExpected(diag, *f, "true or false");
    }
  }
  if (auto f = map.optional("server_retry_timeout_ms")) {
    if (auto value = readInteger(*f, 1, kMaxRetryTimeoutMs, diag)) {
      listener.server_retry_timeout_ms = static_cast<uint32_t>(*value);
    }
  }
}

}  // namespace vcproxy::config
