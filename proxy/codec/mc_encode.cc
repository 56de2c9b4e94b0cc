#include "proxy/codec/mc_encode.h"

namespace vcproxy::codec {

void encodeMcRequest(const McRequest& request, std::span<const std::string_view> keys, std::string& out,
                     bool with_data) {
  const size_t n = request.tokens.size();
  const bool meta = isMeta(request.verb);
  const bool quiet_capable = meta && request.verb != McVerb::kMetaDebug;  // `me` has no flags but b
  const bool drop_last_noreply = !meta && request.noreply;
  for (size_t i = 0; i < n; ++i) {
    std::string_view token = request.tokens[i];
    if (i >= request.first_key && i < request.first_key + request.key_count) {
      token = keys[i - request.first_key];
      if (token.empty()) continue;  // a key the proxy answers for (a miss of a bypassed cache)
    } else if (quiet_capable && i >= (request.verb == McVerb::kMetaSet ? 3u : 2u) && token[0] == 'q') {
      continue;  // any flag starting with q is quiet mode to memcached
    } else if (drop_last_noreply && i == n - 1 && token == "noreply") {
      continue;
    }
    if (i > 0) out.push_back(' ');
    out.append(token);
  }
  out.append("\r\n");
  if (with_data && hasDataBlock(request.verb)) {
    out.append(request.value);
    out.append("\r\n");
  }
}

}  // namespace vcproxy::codec
