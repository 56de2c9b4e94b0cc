// Shared by every fuzz target: invariant checks that abort (so libFuzzer keeps the input), and
// the pieces an input is fed in when a target compares whole-buffer and piecewise parsing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace vcproxy::fuzz {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

// True if `inner` lies within `outer` (pointer-wise): views must point into the input.
inline bool within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

// Piece sizes (1 to max_piece bytes, summing to `input.size()`) drawn from a generator seeded
// by a hash of the input: "random" splits that a crashing input reproduces by itself.
inline std::vector<size_t> randomPieces(std::string_view input, size_t max_piece) {
  uint64_t state = 14695981039346656037ull;  // FNV-1a
  for (const char c : input) state = (state ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::vector<size_t> pieces;
  for (size_t left = input.size(); left > 0;) {
    state += 0x9e3779b97f4a7c15ull;  // splitmix64
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const size_t piece = std::min(left, static_cast<size_t>(z % max_piece) + 1);
    pieces.push_back(piece);
    left -= piece;
  }
  return pieces;
}

inline std::vector<size_t> wholePiece(std::string_view input) {
  return input.empty() ? std::vector<size_t>{} : std::vector<size_t>{input.size()};
}

inline std::vector<size_t> bytePieces(std::string_view input) { return std::vector<size_t>(input.size(), 1); }

}  // namespace vcproxy::fuzz
