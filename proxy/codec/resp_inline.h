// Splitting of an inline Redis command ("SET k \"a b\"\r\n") into arguments, with the quoting
// rules of Redis' sdssplitargs, which the server applies to inline requests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vcproxy::codec {

// Splits `line` (without its line terminator) into `args`. The arguments are views into
// `storage`, which receives their unescaped bytes; both are cleared first and reused, so a caller
// that keeps them allocates nothing once they are large enough.
//
// Rules (sdssplitargs): arguments are separated by whitespace (isspace in the C locale); a
// plain argument ends at space, tab, CR or LF; "double quotes" understand \xHH (lowercase x, two
// hex digits), \n \r \t \b \a and \<any> for that character; 'single quotes' understand only \'.
// A quote may open in the middle of an argument (a"b c" is one argument `ab c`), but a closing
// quote must be followed by whitespace or the end of the line. The line ends at its first NUL
// byte, as the server reads it as a C string.
//
// Returns false on an unterminated quote or a closing quote followed by something else, which
// Redis answers with "unbalanced quotes in request".
bool splitInlineArgs(std::string_view line, std::string& storage, std::vector<std::string_view>& args);

}  // namespace vcproxy::codec
