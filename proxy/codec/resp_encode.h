// Encoding of requests toward a Redis backend and of the proxy's own replies.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vcproxy::codec {

// `*N\r\n` then each argument as `$len\r\n<bytes>\r\n`: the one request form every server reads,
// whatever form (inline or multibulk) the client used.
void appendRespCommand(std::span<const std::string_view> args, std::string& out);

void appendRespBulkString(std::string_view value, std::string& out);

// `-<message>\r\n`. CR and LF in the message become spaces (as Redis' addReplyErrorFormat does),
// so a message built from client bytes can never end the line early.
void appendRespError(std::string_view message, std::string& out);

}  // namespace vcproxy::codec
