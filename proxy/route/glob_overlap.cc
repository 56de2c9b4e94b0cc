#include "proxy/route/glob_overlap.h"

#include <cstdint>
#include <vector>

#include "proxy/route/glob.h"

namespace vcproxy::route {
namespace {

// The key set as symbols: its bytes, with kAny standing for the run X.
constexpr int kAny = -1;

std::vector<int> symbolsOf(std::string_view prefix, std::string_view suffix) {
  std::vector<int> out;
  out.reserve(prefix.size() + suffix.size() + 1);
  for (const char c : prefix) out.push_back(static_cast<unsigned char>(c));
  out.push_back(kAny);
  for (const char c : suffix) out.push_back(static_cast<unsigned char>(c));
  return out;
}

// Every key of the set matches: the glob matches the symbols with kAny taken by one of its own
// `*` (whatever that `*` absorbs around kAny, it absorbs around any X as well).
bool coversAll(std::string_view glob, const std::vector<int>& text) {
  const size_t n = text.size();
  // at[j]: glob[i:] matches text[j:], computed from the end of the glob backwards.
  std::vector<uint8_t> at(n + 1, 0), next(n + 1, 0);
  next[n] = 1;
  for (size_t i = glob.size(); i-- > 0;) {
    const char g = glob[i];
    for (size_t j = n + 1; j-- > 0;) {
      if (g == kGlobAnyRun) {
        at[j] = next[j] || (j < n && at[j + 1]);
      } else if (j == n || text[j] == kAny) {
        at[j] = 0;
      } else {
        at[j] = (g == kGlobAnyByte || static_cast<unsigned char>(g) == text[j]) && next[j + 1];
      }
    }
    next.swap(at);
  }
  return next[0] != 0;
}

// Some key of the set matches: the two patterns can spell one common string (a search over pairs
// of positions; `*` on either side may stop, or take a byte the other side spells).
bool meets(std::string_view glob, const std::vector<int>& text) {
  const size_t m = glob.size(), n = text.size();
  std::vector<uint8_t> seen((m + 1) * (n + 1), 0);
  std::vector<std::pair<size_t, size_t>> todo{{0, 0}};
  const auto visit = [&](size_t i, size_t j) {
    if (seen[i * (n + 1) + j]) return;
    seen[i * (n + 1) + j] = 1;
    todo.emplace_back(i, j);
  };
  seen[0] = 1;
  while (!todo.empty()) {
    const auto [i, j] = todo.back();
    todo.pop_back();
    if (i == m && j == n) return true;
    const bool g_star = i < m && glob[i] == kGlobAnyRun;
    const bool t_star = j < n && text[j] == kAny;
    if (g_star) visit(i + 1, j);
    if (t_star) visit(i, j + 1);
    if (i == m || j == n) continue;
    const size_t gi = g_star ? i : i + 1;  // a `*` stays where it is after taking a byte
    const size_t tj = t_star ? j : j + 1;
    const bool g_any = g_star || glob[i] == kGlobAnyByte;
    if (g_any || t_star || static_cast<unsigned char>(glob[i]) == text[j]) {
      if (gi != i || tj != j) visit(gi, tj);
    }
  }
  return false;
}

}  // namespace

GlobOverlap globOverlap(std::string_view glob, std::string_view prefix, std::string_view suffix) {
  const std::vector<int> text = symbolsOf(prefix, suffix);
  if (coversAll(glob, text)) return GlobOverlap::kAll;
  return meets(glob, text) ? GlobOverlap::kSome : GlobOverlap::kNone;
}

}  // namespace vcproxy::route
