#include "config/auth.h"

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vcproxy::config {
namespace {

constexpr std::array<std::string_view, 3> kBackendAuthKeys = {"username", "password_file", "password_env"};
constexpr size_t kMaxSecret = 4096;

// The file's content without one trailing newline (as `echo secret > file` leaves it).
std::optional<Secret> readSecretFile(const Field& field, Diagnostics& diag) {
  const auto path = readString(field, "a file path", diag);
  if (!path) return std::nullopt;
  std::ifstream in(*path, std::ios::binary);
  std::ostringstream content;
  if (in) content << in.rdbuf();
  if (!in) {
    diag.add(field.mark, field.path + ": cannot read " + quote(*path) + "; expected a readable file holding the password");
    return std::nullopt;
  }
  std::string value = content.str();
  if (value.ends_with("\n")) value.pop_back();
  if (value.ends_with("\r")) value.pop_back();
  if (value.empty() || value.size() > kMaxSecret) {
    diag.add(field.mark, field.path + ": " + quote(*path) + " holds " + (value.empty() ? "nothing" : "over 4096 bytes") +
                             "; expected a password of 1..4096 bytes");
    return std::nullopt;
  }
  return Secret{std::move(value), "password_file " + *path};
}

std::optional<Secret> readSecretEnv(const Field& field, Diagnostics& diag) {
  const auto name = readString(field, "an environment variable name", diag);
  if (!name) return std::nullopt;
  const char* value = name->empty() ? nullptr : std::getenv(name->c_str());
  if (value == nullptr || *value == '\0' || std::string_view(value).size() > kMaxSecret) {
    diag.add(field.mark, field.path + ": environment variable " + quote(*name) +
                             (value == nullptr ? " is not set" : " is empty or too long") +
                             "; expected it to hold a password of 1..4096 bytes");
    return std::nullopt;
  }
  return Secret{value, "password_env " + *name};
}

// Exactly one of password_file and password_env; `where` is the map's own field.
std::optional<Secret> readSecret(const Field& where, const MapView& map, bool required, Diagnostics& diag) {
  const auto file = map.optional("password_file");
  const auto env = map.optional("password_env");
  if (file && env) {
    diag.add(env->mark, env->path + ": password_file is set too; expected one of password_file, password_env");
    return std::nullopt;
  }
  if (file) return readSecretFile(*file, diag);
  if (env) return readSecretEnv(*env, diag);
  if (required) diag.add(where.mark, where.path + ": expected password_file or password_env");
  return std::nullopt;
}

void readBackendAuth(const Field& field, Listener& listener, Diagnostics& diag) {
  if (!field.node.IsMap()) {
    reportExpected(diag, field, "a map with username (optional) and password_file or password_env");
    return;
  }
  MapView map(field, kBackendAuthKeys, diag);
  BackendAuth auth;
  if (auto f = map.optional("username")) {
    if (auto username = readString(*f, "a user name", diag)) auth.username = *username;
  }
  if (auto password = readSecret(field, map, true, diag)) {
    auth.password = std::move(*password);
    listener.backend_auth = std::move(auth);
  }
}

}  // namespace

void readListenerAuth(const Field& field, const MapView& map, Listener& listener, Diagnostics& diag) {
  const auto backend = map.optional("backend_auth");
  const bool any = backend || map.optional("password_file") || map.optional("password_env");
  if (any && listener.protocol != Protocol::kRedis) {
    diag.add(field.mark, field.path + ": password_file, password_env and backend_auth apply to redis listeners only; "
                                      "expected protocol: redis");
    return;
  }
  listener.password = readSecret(field, map, false, diag);
  if (backend) readBackendAuth(*backend, listener, diag);
}

}  // namespace vcproxy::config
