#!/usr/bin/env bash
# Installs what is needed, builds vcproxy with ASan + UBSan and runs every test (unit,
# integration against real memcached and Redis, fuzz corpora), then runs each fuzz target for a
# while. (`cmake --preset tsan` builds the threaded tests under ThreadSanitizer; not in CI yet.)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors.
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

# libFuzzer needs clang: a second build, of the libFuzzer targets only (the replays of their
# corpora ran above), runs each for VCPROXY_FUZZ_SECONDS (10 by default, 60 in CI: .ci/run).
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DVCPROXY_FUZZ=ON \
  -DVCPROXY_FUZZ_SECONDS="${VCPROXY_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzzers
ctest --test-dir build/fuzz -R '^fuzz_.*_smoke$' -j "$jobs" --output-on-failure
