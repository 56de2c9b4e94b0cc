// `vcproxy invalidate|versions|explain ...`: a command-line client of the admin API, as Misago's
// `manage.py invalidateversionedcaches`.
#pragma once

#include <string>
#include <vector>

namespace vcproxy::app {

// Exit codes: 0 done, 1 the admin API refused (4xx/5xx; its error is printed), 2 usage,
// 3 the admin API could not be reached.
inline constexpr int kCliOk = 0;
inline constexpr int kCliRefused = 1;
inline constexpr int kCliUsage = 2;
inline constexpr int kCliUnreachable = 3;

bool isCliCommand(const std::string& word);
// `args` are the arguments after the program name, the command first.
int runCli(const std::vector<std::string>& args);

}  // namespace vcproxy::app
