#include "proxy/net/mc_modes.h"

namespace vcproxy::net {

using codec::McVerb;

bool isMcRead(McVerb verb) {
  return codec::isRetrieval(verb) || verb == McVerb::kMetaGet || verb == McVerb::kMetaDebug;
}

namespace {

// Meta replies echo the opaque and, when asked, the key, in the order the request gave them.
std::string metaReply(const codec::McRequest& request, std::string_view code) {
  std::string reply(code);
  const size_t first_flag = request.verb == McVerb::kMetaSet ? 3 : 2;
  for (size_t i = first_flag; i < request.tokens.size(); ++i) {
    const std::string_view flag = request.tokens[i];
    if (flag[0] == 'O' || flag[0] == 'b') {
      reply += ' ';
      reply += flag;
    } else if (flag[0] == 'k') {
      reply += " k";
      reply += request.key(0);
    }
  }
  return reply + "\r\n";
}

std::string textReply(McVerb verb) {
  switch (verb) {
    case McVerb::kGet:
    case McVerb::kGets:
    case McVerb::kGat:
    case McVerb::kGats: return "END\r\n";
    case McVerb::kDelete:
    case McVerb::kIncr:
    case McVerb::kDecr:
    case McVerb::kTouch: return "NOT_FOUND\r\n";
    default: return "STORED\r\n";  // set add replace append prepend cas: the write is dropped
  }
}

}  // namespace

std::string missOrDroppedReply(const codec::McRequest& request) {
  switch (request.verb) {
    case McVerb::kMetaGet: return request.noreply ? "" : metaReply(request, "EN");
    case McVerb::kMetaDebug: return "EN\r\n";
    case McVerb::kMetaSet: return request.noreply ? "" : metaReply(request, "HD");
    case McVerb::kMetaDelete:
    case McVerb::kMetaArithmetic: return metaReply(request, "NF");  // misses show even with q
    default: return request.noreply ? "" : textReply(request.verb);
  }
}

}  // namespace vcproxy::net
