#!/usr/bin/env bash
# Installs what is needed, builds vcproxy with ASan + UBSan and runs every test (unit,
# integration against real memcached, fuzz corpora), then runs each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors.
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

# libFuzzer needs clang: a second build runs every fuzz target for a short while.
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DVCPROXY_FUZZ=ON \
  -DVCPROXY_FUZZ_SECONDS="${VCPROXY_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build/fuzz -j "$jobs"
ctest --test-dir build/fuzz -R '^fuzz_.*_smoke$' --output-on-failure
