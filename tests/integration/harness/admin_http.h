// The admin API of a running vcproxy, as a test sees it: one HTTP request through the project's
// own admin client (admin/admin_client.h), the body parsed as JSON when it is JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>

namespace vcproxy::test {

struct AdminReply {
  std::string error;  // transport failure (cannot connect, timeout...); empty when the server answered
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json;  // the parsed body; discarded (is_discarded()) when it is not JSON

  // "GET /caches -> 200 {...}" for failure messages.
  std::string describe() const;
};

// `method path` on 127.0.0.1:port. `path` must already be percent-encoded.
AdminReply adminCall(uint16_t port, const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& token = "", int timeout_ms = 5000);

inline AdminReply adminGet(uint16_t port, const std::string& path, const std::string& token = "") {
  return adminCall(port, "GET", path, "", token);
}

// The string field `field` of a JSON object, or "" when it is missing or not a string.
std::string jsonString(const nlohmann::json& doc, const std::string& field);

// The "version" of cache `name` as this sidecar's admin API reports it ("" on any error).
std::string cacheVersion(uint16_t admin_port, const std::string& name, const std::string& token = "");

// 8 characters of [A-Za-z0-9], as ARCHITECTURE.md section 3 defines a version.
bool isVersion(const std::string& text);

void PrintTo(const AdminReply& reply, std::ostream* os);

}  // namespace vcproxy::test
