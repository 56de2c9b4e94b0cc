#!/usr/bin/env bash
# Redis Cluster load: redis-benchmark against a three-master cluster directly (as a cluster
# client: redis-benchmark --cluster) and through vcproxy (a plain client: vcproxy routes by slot,
# splits MSET), on loopback, with servers this script starts itself and stops on exit (by pid).
#
#   tests/bench/cluster.sh [--requests N] [--vcproxy PATH] [--out DIR]
#
#   --requests N   redis-benchmark -n per test (default 100000)
#   --vcproxy PATH the binary to measure (default build/release/proxy/vcproxy, else build/dev)
#   --out DIR      results directory (default build/bench): cluster.csv and the servers' logs
#
# Prints one markdown table: requests per second and p50/p99 (ms) for SET, GET and MSET of 10
# keys, pipelined 16 deep, 50 clients. The cluster's keys use redis-benchmark's own hash tags
# when it runs with --cluster; through vcproxy the keys carry no tag, so every MSET spans slots.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
requests=100000
vcproxy_bin=""
out="$ROOT/build/bench"
while (($#)); do
  case $1 in
    --requests) requests=$2; shift 2 ;;
    --vcproxy) vcproxy_bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -z $vcproxy_bin ]]; then
  for candidate in "$ROOT/build/release/proxy/vcproxy" "$ROOT/build/dev/proxy/vcproxy"; do
    [[ -x $candidate ]] && { vcproxy_bin=$candidate; break; }
  done
fi
[[ -x $vcproxy_bin ]] || { echo "no vcproxy binary (build it, or --vcproxy PATH)" >&2; exit 1; }
for tool in redis-server redis-cli redis-benchmark python3 timeout; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d)
logs="$out/cluster-logs"
mkdir -p "$logs"
log() { printf '[cluster-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# shellcheck source=tests/bench/procs.sh
source "$HERE/procs.sh"
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

mapfile -t P < <(util ports 9)
nodes=("${P[0]}" "${P[1]}" "${P[2]}")
buses=("${P[3]}" "${P[4]}" "${P[5]}")
store=${P[6]} proxy=${P[7]} admin=${P[8]}

log "starting a three-master cluster on ${nodes[*]}"
for i in 0 1 2; do
  start "node$i" redis-server --cluster-enabled yes --cluster-config-file "$work/nodes$i.conf" \
    --cluster-port "${buses[$i]}" --port "${nodes[$i]}" --bind 127.0.0.1 --save "" --appendonly no
  util wait-tcp "${nodes[$i]}" 10 || { log "node $i did not start (see $logs)"; exit 1; }
done
start store redis-server --port "$store" --bind 127.0.0.1 --save "" --appendonly no
util wait-tcp "$store" 10 || { log "the store did not start"; exit 1; }
timeout 60 redis-cli --cluster create "127.0.0.1:${nodes[0]}" "127.0.0.1:${nodes[1]}" "127.0.0.1:${nodes[2]}" \
  --cluster-replicas 0 --cluster-yes >"$logs/create.log" 2>&1 || { log "cluster create failed"; exit 1; }
for _ in $(seq 100); do
  ok=0
  for port in "${nodes[@]}"; do redis-cli -p "$port" cluster info | grep -q cluster_state:ok && ok=$((ok + 1)); done
  ((ok == 3)) && break
  sleep 0.1
done

cat >"$work/vcproxy.yaml" <<EOF
namespace: bench
workers: 1
listeners:
  - name: redis
    protocol: redis
    listen: 127.0.0.1:$proxy
    backends: [127.0.0.1:${nodes[0]}]
    cluster: true
admin:
  listen: 127.0.0.1:$admin
version_store:
  url: redis://127.0.0.1:$store
caches:
  - name: bench
    patterns: ["key:*"]
EOF
start vcproxy "$vcproxy_bin" --config "$work/vcproxy.yaml"
util wait-http "http://127.0.0.1:$admin/readyz" 10 || { log "vcproxy is not ready (see $logs/vcproxy.log)"; exit 1; }

csv="$out/cluster.csv"
: >"$csv"
# bench NAME ARGS...: one redis-benchmark run; its CSV rows, labelled, go to $csv.
bench() {
  local name=$1; shift
  log "$name: redis-benchmark $*"
  timeout 300 redis-benchmark "$@" -n "$requests" -c 50 -P 16 -r 100000 -t set,get,mset --csv 2>/dev/null |
    grep '^"[A-Z]' | sed "s/^/\"$name\",/" >>"$csv"  # result rows only (not --cluster's node list)
}
bench direct --cluster -h 127.0.0.1 -p "${nodes[0]}"
bench vcproxy -h 127.0.0.1 -p "$proxy"

echo "| path | test | requests/s | p50 ms | p99 ms |"
echo "|---|---|---|---|---|"
# redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
tr -d '"' <"$csv" | awk -F, '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $6, $8 }'
