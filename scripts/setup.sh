#!/usr/bin/env bash
# Installs every Debian package vcproxy needs to build, test, benchmark and run. Idempotent.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  libuv1-dev libyaml-cpp-dev libmemcached-dev libhiredis-dev node-llhttp nlohmann-json3-dev
  # tests: GoogleTest, sanitizers and libFuzzer (clang), real servers and real clients
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  memcached libmemcached-tools redis-server redis-tools netcat-openbsd python3
  python3-yaml python3-django python3-pymemcache
  # benchmarks
  nutcracker valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
