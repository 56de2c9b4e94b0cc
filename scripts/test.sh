#!/usr/bin/env bash
# Installs what is needed, builds vcproxy with ASan + UBSan and runs every test (unit,
# integration against real memcached and Redis, fuzz corpora), then the threaded tests again under
# ThreadSanitizer, then runs each fuzz target for a while.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
jobs=$(nproc)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors.
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

# The multi-threaded parts (workers, version snapshots, reload, admin server, version stores) under
# ThreadSanitizer: every integration test (vcproxy is built with TSan too) and the threaded unit tests.
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target vcproxy integration_test cluster_integration_test versions_test admin_test
ctest --preset tsan -j "$jobs" -L integration
ctest --preset tsan -j "$jobs" -R '^(versions|admin)\.'

# libFuzzer needs clang: a second build, of the libFuzzer targets only (the replays of their
# corpora ran above), runs each for VCPROXY_FUZZ_SECONDS (10 by default, 60 in CI: .ci/run).
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DVCPROXY_FUZZ=ON \
  -DVCPROXY_FUZZ_SECONDS="${VCPROXY_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzzers
ctest --test-dir build/fuzz -R '^fuzz_.*_smoke$' -j "$jobs" --output-on-failure
