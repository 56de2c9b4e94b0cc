#include "tests/integration/harness/admin_http.h"

#include <cctype>

#include "admin/admin_client.h"

namespace vcproxy::test {

std::string AdminReply::describe() const {
  if (!error.empty()) return "transport error: " + error;
  return std::to_string(status) + " (" + content_type + ") " + body;
}

AdminReply adminCall(uint16_t port, const std::string& method, const std::string& path, const std::string& body,
                     const std::string& token, int timeout_ms) {
  const admin::HttpResult result =
      admin::request("http://127.0.0.1:" + std::to_string(port), method, path, body, token, timeout_ms);
  AdminReply reply;
  reply.error = result.error;
  reply.status = result.status;
  reply.content_type = result.content_type;
  reply.body = result.body;
  reply.json = nlohmann::json::parse(result.body, nullptr, false);
  return reply;
}

std::string jsonString(const nlohmann::json& doc, const std::string& field) {
  if (!doc.is_object()) return {};
  const auto it = doc.find(field);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string cacheVersion(uint16_t admin_port, const std::string& name, const std::string& token) {
  const AdminReply reply = adminGet(admin_port, "/caches/" + name, token);
  return reply.status == 200 ? jsonString(reply.json, "version") : std::string();
}

bool isVersion(const std::string& text) {
  if (text.size() != 8) return false;
  for (const char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void PrintTo(const AdminReply& reply, std::ostream* os) { *os << reply.describe(); }

}  // namespace vcproxy::test
