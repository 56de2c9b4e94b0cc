#!/usr/bin/env bash
# Does a pool of three memcached servers serve more than one, through vcproxy (and twemproxy)?
#
#   tests/bench/pool_scaling.sh [--reps N] [--seconds S] [--quota PERCENT] [--vcproxy PATH] [--out DIR]
#
#   --reps N         repetitions, targets rotated each time (default 3)
#   --seconds S      seconds per mcload run (default 8)
#   --quota PERCENT  CPU each memcached may use, in percent of one core (default 15)
#   --vcproxy PATH   the binary to measure (default build/release/proxy/vcproxy)
#   --out DIR        results directory (default build/bench): pool-scaling.md and logs
#
# On one small machine every server shares the cores with the client and the proxy, so a pool cannot
# scale by CPU. In production each server is its own machine and is the bottleneck; to emulate that,
# each memcached runs in its own cgroup (v1 cpu controller, cpu.cfs_quota_us) capped at PERCENT of a
# core, which leaves the client and the proxy the rest of the machine. mcload (get/set 9:1 and
# multi-get of 10 keys, 32 connections) runs against: one capped server directly; vcproxy and
# twemproxy in front of that one server; vcproxy and twemproxy in front of a pool of three capped
# servers (ketama). Prints one table: medians, and the pool/one ratio (median of per-repetition ratios).
# Needs root and a writable /sys/fs/cgroup/cpu (cgroup v1), plus the packages of scripts/setup.sh.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
reps=3 seconds=8 quota=15 vcproxy_bin="$ROOT/build/release/proxy/vcproxy" out="$ROOT/build/bench"
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --quota) quota=$2; shift 2 ;;
    --vcproxy) vcproxy_bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mcload_bin="$ROOT/build/release/tests/bench/mcload"
[[ -x $mcload_bin ]] || mcload_bin="$out/bin/mcload"
[[ -x $vcproxy_bin && -x $mcload_bin ]] || { echo "build first: tests/bench/run.sh --quick builds vcproxy and mcload" >&2; exit 1; }
cgroot=/sys/fs/cgroup/cpu
[[ -w $cgroot ]] || { echo "needs root and a writable $cgroot (cgroup v1 cpu controller)" >&2; exit 1; }

work=$(mktemp -d)
logs="$out/pool-scaling-logs"
mkdir -p "$logs"
log() { printf '[pool-scaling %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
gen() { python3 "$HERE/gen_config.py" "$@"; }
# shellcheck source=tests/bench/procs.sh
source "$HERE/procs.sh"
groups=()
cleanup() {
  local group
  stop_all
  for group in "${groups[@]}"; do rmdir "$group" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# capped PORT: a memcached in its own cgroup, allowed `quota` percent of one core.
capped() {
  local group="$cgroot/vcproxy-bench-$1"
  mkdir -p "$group" && groups+=("$group")
  echo 100000 >"$group/cpu.cfs_period_us"
  echo $((quota * 1000)) >"$group/cpu.cfs_quota_us"
  start "memcached-$1" memcached -u root -l 127.0.0.1 -p "$1" -U 0 -t 2 -m 1024 -c 4096
  echo "$started" >"$group/cgroup.procs"
  util wait-tcp "$1" 10 || { log "memcached :$1 did not start"; exit 1; }
}

mapfile -t P < <(util ports 11)
mc=("${P[0]}" "${P[1]}" "${P[2]}")
for port in "${mc[@]}"; do capped "$port"; done
declare -A port_of=([direct]=${mc[0]} [vcproxy]=${P[3]} [vcpool3]=${P[5]} [twemproxy]=${P[7]} [twempool3]=${P[8]})
gen vcproxy --listen "${P[3]}" --backend "${mc[0]}" --admin "${P[4]}" >"$work/vc1.yaml"
gen vcproxy --listen "${P[5]}" --backend "${mc[0]},${mc[1]},${mc[2]}" --admin "${P[6]}" >"$work/vc3.yaml"
gen nutcracker --mc-listen "${P[7]}" --mc-backend "${mc[0]}" >"$work/nc1.yml"
gen nutcracker --mc-listen "${P[8]}" --mc-backend "${mc[0]},${mc[1]},${mc[2]}" >"$work/nc3.yml"
start vcproxy "$vcproxy_bin" --config "$work/vc1.yaml"
start vcpool3 "$vcproxy_bin" --config "$work/vc3.yaml"
start twemproxy nutcracker -c "$work/nc1.yml" -s "${P[9]}" -o "$logs/twemproxy.out"
start twempool3 nutcracker -c "$work/nc3.yml" -s "${P[10]}" -o "$logs/twempool3.out"
for admin in "${P[4]}" "${P[6]}"; do
  util wait-http "http://127.0.0.1:$admin/readyz" 15 || { log "vcproxy not ready (see $logs)"; exit 1; }
done
util wait-tcp "${P[7]}" 10 && util wait-tcp "${P[8]}" 10 || { log "nutcracker did not start"; exit 1; }

raw="$out/pool-scaling.tsv"
: >"$raw"
targets=(direct vcproxy vcpool3 twemproxy twempool3)
log "memcached capped at $quota% of a core each; $reps repetitions of ${seconds}s"
for ((rep = 1; rep <= reps; rep++)); do
  for load in getset mget10; do
    args=()
    [[ $load == mget10 ]] && args=(--mget 10)
    for ((i = 0; i < ${#targets[@]}; i++)); do
      target=${targets[$(((i + rep) % ${#targets[@]}))]}
      line=$(timeout $((seconds * 6 + 60)) "$mcload_bin" --port "${port_of[$target]}" --seconds "$seconds" \
        --conns 32 --threads 2 --prefix "scale$rep:" "${args[@]}" 2>"$logs/mcload.$load.$target.$rep.err" |
        grep '^requests=' | tail -n 1)
      ops=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
      [[ $load == mget10 ]] && ops=$(sed -n 's/.* keys_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
      errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")
      printf '%s\t%s\t%s\t%s\t%s\n' "$load" "$target" "$rep" "${ops:-0}" "${errors:-?}" >>"$raw"
      log "  rep $rep $load $target: ${ops:-no result} (errors ${errors:-?})"
    done
  done
done

python3 - "$raw" "$quota" <<'PY' | tee "$out/pool-scaling.md"
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
ops = {}
for load, target, rep, value, errors in rows:
    ops.setdefault((load, target), {})[rep] = float(value)
def median(load, target):
    values = list(ops.get((load, target), {}).values())
    return statistics.median(values) if values else 0
def ratio(load, pool, one):
    a, b = ops.get((load, pool), {}), ops.get((load, one), {})
    r = [a[k] / b[k] for k in a if b.get(k)]
    return f"{statistics.median(r):.2f} [{min(r):.2f}-{max(r):.2f}]" if r else "n/a"
errors = sum(int(e) for *_, e in rows if e.isdigit())
print(f"memcached servers capped at {sys.argv[2]}% of a core each (cgroup cpu quota); mcload 32 conns; "
      f"medians; error replies over all runs: {errors}\n")
print("| load | direct, 1 server | vcproxy 1 | vcproxy pool of 3 | vcproxy pool/1 | twemproxy 1 | twemproxy pool of 3 | twemproxy pool/1 |")
print("|---|---|---|---|---|---|---|---|")
for load, unit in (("getset", "req/s"), ("mget10", "keys/s")):
    print(f"| {load} ({unit}) | {median(load, 'direct'):,.0f} | {median(load, 'vcproxy'):,.0f} | "
          f"{median(load, 'vcpool3'):,.0f} | {ratio(load, 'vcpool3', 'vcproxy')} | {median(load, 'twemproxy'):,.0f} | "
          f"{median(load, 'twempool3'):,.0f} | {ratio(load, 'twempool3', 'twemproxy')} |")
PY
