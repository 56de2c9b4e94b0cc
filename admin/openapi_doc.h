// The admin API's OpenAPI 3 document (docs/openapi.json), compiled into the binary at build
// time (cmake/embed_file.cmake) so `GET /openapi.json` always describes the running version.
#pragma once

#include <string_view>

namespace vcproxy::admin {

// The exact bytes of docs/openapi.json as it was when this binary was built.
std::string_view openApiDocument();

}  // namespace vcproxy::admin
