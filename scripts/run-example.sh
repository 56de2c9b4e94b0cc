#!/usr/bin/env bash
# Installs what is needed, builds vcproxy and runs it in front of a local memcached and Redis
# with deploy/examples/quickstart.yaml. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target vcproxy

if ! nc -z 127.0.0.1 11211 2>/dev/null; then
  user_flag=()
  [[ $(id -u) -eq 0 ]] && user_flag=(-u root)
  memcached -d -l 127.0.0.1 -p 11211 -U 0 "${user_flag[@]}"
  echo "started memcached on 127.0.0.1:11211"
fi
if ! nc -z 127.0.0.1 6379 2>/dev/null; then
  redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --daemonize yes >/dev/null
  echo "started redis-server on 127.0.0.1:6379"
fi

cat <<'HELP'

vcproxy listens on 127.0.0.1:11311 (memcached) and 127.0.0.1:6380 (Redis); admin on :9100.
From another shell:

  printf 'set user:1 0 0 5\r\nhello\r\nget user:1\r\n' | nc -q1 127.0.0.1 11311
  printf 'lru_crawler metadump all\r\n' | nc -q1 127.0.0.1 11211   # what memcached stores (URL-encoded)
  redis-cli -p 6380 set user:7 hi && redis-cli -p 6379 keys '*'      # the versioned key in Redis
  build/release/proxy/vcproxy invalidate users                        # new version: user:* keys vanish
  redis-cli -p 6380 get user:7

HELP
exec build/release/proxy/vcproxy --config deploy/examples/quickstart.yaml
