#!/usr/bin/env bash
# vcproxy benchmark suite: the one command.
#
#   tests/bench/run.sh [--reps N] [--duration SECONDS] [--quick] [--only PART] [--out DIR] [--vcproxy PATH] [--no-build]
#
#   --reps N          repetitions of every throughput load (default 5; --quick: 1)
#   --duration S      seconds per memcaslap run; also scales redis-benchmark's request counts (default 10; --quick: 2)
#   --quick           1 repetition of 2 s: checks that every part works end to end (figures are not meaningful)
#   --only PART       one part alone: throughput, callgrind or rss (a few minutes for callgrind; to iterate)
#   --out DIR         where results go (default build/bench): results.md, raw.tsv, logs/, callgrind/
#   --vcproxy PATH    the binary to measure (default build/release/proxy/vcproxy, built with the release preset)
#   --no-build        do not run cmake for the release build
#
# In one run on loopback only, it starts its own memcached, redis-server, vcproxy and twemproxy (nutcracker)
# on free ports and measures, A/B/C interleaved (direct / vcproxy / twemproxy, order rotated each repetition):
#   - vcproxy in front of a pool of three memcached servers (ketama) against vcproxy in front of one, with
#     every memcached load below (target vcpool3; the multi-gets are split over the three servers)
#   - memcached get/set 9:1 (also with 100 KiB values) and multi-get of 10 and 100 keys with mcload (tests/bench/mcload.cc: 32 conns,
#     2 threads, printable 48-byte keys, 1 KiB values, every error reply counted), and memcaslap get/set
#     (-c 32 -T 2); memaslap's keys carry 0x10 bytes, which vcproxy refuses by design, see README.md
#   - the key matcher: vcproxy with 10 vs 10,000 caches (patterns c<i>:* then *), mcload get/set
#   - redis GET/SET/LPUSH and MGET of 10 keys, -P 1 and -P 16 (redis-benchmark --csv, p50/p99);
#     vcproxy's redis rows are "n/a" while vcproxy refuses a redis listener at startup, real once it starts
#   - instructions per request (valgrind --tool=callgrind) of vcproxy and nutcracker on the same request
#     streams (get/set 9:1, and multi-get)
#   - VmRSS of vcproxy (and nutcracker) with 10,000 idle client connections
# and prints one markdown table (also written to DIR/results.md) with medians, ratios and goals (PASS/MISS).
# Every load is bounded in time (timeout). Needs: scripts/setup.sh packages, python3. See tests/bench/README.md.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

reps="" duration="" quick=0 only="" build=1 out_dir="$ROOT/build/bench" vcproxy_bin="$ROOT/build/release/proxy/vcproxy"
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --reps) reps=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only=${2:?}; shift 2 ;;
    --out) out_dir=${2:?}; shift 2 ;;
    --vcproxy) vcproxy_bin=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((quick)); then reps=${reps:-1}; duration=${duration:-2}; else reps=${reps:-5}; duration=${duration:-10}; fi
[[ $reps =~ ^[1-9][0-9]*$ && $duration =~ ^[1-9][0-9]*$ ]] || { echo "--reps and --duration take positive integers" >&2; exit 2; }
[[ $only =~ ^(|throughput|callgrind|rss)$ ]] || { echo "--only takes throughput, callgrind or rss" >&2; exit 2; }
# runs PART: whether this run measures PART.
runs() { [[ -z $only || $only == "$1" ]]; }

IDLE_CONNS=10000        # idle client connections for the RSS figure
CG_REQUESTS=20000       # requests of the callgrind stream
REDIS_N_P1=$((8000 * duration))     # redis-benchmark -n per test (about a second or two each on loopback)
REDIS_N_P16=$((40000 * duration))
LOAD_TIMEOUT=$((duration * 6 + 60)) # hard bound for any single load run

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

for tool in memcached memcaslap redis-server redis-benchmark nutcracker valgrind callgrind_control callgrind_annotate python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool not found; install the packages with scripts/setup.sh"
done

# --- build ------------------------------------------------------------------------------------------
if ((build)); then
  log "building vcproxy (release preset)"
  if [[ ! -f $ROOT/build/release/build.ninja ]]; then
    (cd "$ROOT" && cmake --preset release >/dev/null) || die "cmake --preset release failed"
  fi
  (cd "$ROOT" && cmake --build --preset release --target vcproxy >/dev/null) || die "building vcproxy failed"
fi
[[ -x $vcproxy_bin ]] || die "no vcproxy binary at $vcproxy_bin"

# The load client: the CMake target bench_mcload once tests/CMakeLists.txt lists bench, else compiled here.
mcload_bin="$ROOT/build/release/tests/bench/mcload"
if ((build)) && (cd "$ROOT" && cmake --build --preset release --target bench_mcload >/dev/null 2>&1); then
  :
elif [[ ! -x $mcload_bin || $HERE/mcload.cc -nt $mcload_bin ]]; then
  mcload_bin="$out_dir/bin/mcload"
  if [[ ! -x $mcload_bin || $HERE/mcload.cc -nt $mcload_bin ]]; then
    log "compiling the load client (tests/bench/mcload.cc)"
    mkdir -p "$out_dir/bin"
    ${CXX:-c++} -std=c++20 -O2 -g -Wall -Wextra -pthread "$HERE/mcload.cc" -o "$mcload_bin" ||
      die "compiling tests/bench/mcload.cc failed"
  fi
fi

work="$out_dir/run"
rm -rf "$work" "$out_dir/logs" "$out_dir/callgrind"
mkdir -p "$work" "$out_dir/logs" "$out_dir/callgrind"
raw="$out_dir/raw.tsv"
: >"$raw"
logs="$out_dir/logs"

# 10,000 client connections need file descriptors in the proxy (inherits this limit) and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if (($(ulimit -n) < IDLE_CONNS + 200)); then
  log "warning: ulimit -n is $(ulimit -n); the idle-connection figure needs > $((IDLE_CONNS + 200))"
fi

# --- process management: only what this script started, by pid ----------------------------------------
# shellcheck source=tests/bench/procs.sh
source "$HERE/procs.sh"
trap stop_all EXIT
trap 'exit 130' INT TERM
# alive PID: the process exists and is not a zombie.
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
# wait_ready PID URL SECONDS: until URL answers 200; fails early when PID exits.
wait_ready() {
  local pid=$1 url=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    alive "$pid" || return 1
    util wait-http "$url" 0.5 && return 0
    sleep 0.2
  done
  return 1
}
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$raw"; }
note() { record note "$1" "$2" 0 "$3" "$(tr '\t\n' '  ' <<<"$4")"; }

mapfile -t P < <(util ports 20)
((${#P[@]} == 20)) || die "could not find free loopback ports"
mc_port=${P[0]} redis_port=${P[1]}
vc_port=${P[2]} vc_admin=${P[3]}
vc10_port=${P[4]} vc10_admin=${P[5]} vc10k_port=${P[6]} vc10k_admin=${P[7]}
vcr_port=${P[8]} vcr_admin=${P[9]}
nc_mc_port=${P[10]} nc_redis_port=${P[11]} nc_stats=${P[12]}
mc2_port=${P[13]} mc3_port=${P[14]} vcp_port=${P[15]} vcp_admin=${P[16]}
spare_ports=("${P[@]:17}")

memcached_user=()
(($(id -u) == 0)) && memcached_user=(-u root)

gen() { python3 "$HERE/gen_config.py" "$@"; }
# start_vcproxy NAME CONFIG ADMIN_PORT: starts vcproxy and waits until /readyz answers 200
# (versions loaded: before that, reads would miss and writes would not be stored).
start_vcproxy() {
  local name=$1 config=$2 admin=$3
  start "$name" "$vcproxy_bin" --config "$config"
  if ! wait_ready "$started" "http://127.0.0.1:$admin/readyz" 30; then
    log "$name did not become ready; see $logs/$name.log"
    return 1
  fi
}

# --- servers ----------------------------------------------------------------------------------------
log "starting memcached :$mc_port, redis-server :$redis_port"
start memcached memcached "${memcached_user[@]}" -l 127.0.0.1 -p "$mc_port" -U 0 -t 2 -m 2048 -c 4096
start redis-server redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --maxclients 4096
util wait-tcp "$mc_port" 10 || die "memcached did not start (logs/memcached.log)"
# The two other servers of vcproxy's pool of three (vcpool3); each as the first one.
for extra in "$mc2_port" "$mc3_port"; do
  start "memcached-$extra" memcached "${memcached_user[@]}" -l 127.0.0.1 -p "$extra" -U 0 -t 2 -m 2048 -c 4096
  util wait-tcp "$extra" 10 || die "memcached :$extra did not start"
done
util wait-tcp "$redis_port" 10 || die "redis-server did not start (logs/redis-server.log)"

log "starting vcproxy (workers auto, pattern *), vcproxy 10 and 10,000 caches, nutcracker"
gen vcproxy --listen "$vc_port" --backend "$mc_port" --admin "$vc_admin" --caches 1 >"$work/vcproxy.yaml"
gen vcproxy --listen "$vc10_port" --backend "$mc_port" --admin "$vc10_admin" --caches 10 >"$work/vcproxy-10.yaml"
gen vcproxy --listen "$vc10k_port" --backend "$mc_port" --admin "$vc10k_admin" --caches 10000 >"$work/vcproxy-10000.yaml"
gen nutcracker --mc-listen "$nc_mc_port" --mc-backend "$mc_port" \
  --redis-listen "$nc_redis_port" --redis-backend "$redis_port" >"$work/nutcracker.yml"
gen vcproxy --listen "$vcp_port" --backend "$mc_port,$mc2_port,$mc3_port" --admin "$vcp_admin" >"$work/vcproxy-pool3.yaml"
start_vcproxy vcproxy "$work/vcproxy.yaml" "$vc_admin" || die "vcproxy did not start"
start_vcproxy vcpool3 "$work/vcproxy-pool3.yaml" "$vcp_admin" || die "vcproxy (pool of three) did not start"
start_vcproxy vcproxy-10 "$work/vcproxy-10.yaml" "$vc10_admin" || die "vcproxy (10 caches) did not start"
start_vcproxy vcproxy-10000 "$work/vcproxy-10000.yaml" "$vc10k_admin" || die "vcproxy (10,000 caches) did not start"
nutcracker -t -c "$work/nutcracker.yml" >"$logs/nutcracker-check.log" 2>&1 || die "nutcracker rejects its config"
start nutcracker nutcracker -c "$work/nutcracker.yml" -a 127.0.0.1 -s "$nc_stats" -o "$logs/nutcracker.out"
util wait-tcp "$nc_mc_port" 10 || die "nutcracker did not start"

# vcproxy with a redis listener: used when vcproxy accepts it, "n/a" while it refuses it at startup.
vc_redis=0
gen vcproxy --protocol redis --listen "$vcr_port" --backend "$redis_port" --admin "$vcr_admin" >"$work/vcproxy-redis.yaml"
start vcproxy-redis "$vcproxy_bin" --config "$work/vcproxy-redis.yaml"
vcr_pid=$started
if wait_ready "$vcr_pid" "http://127.0.0.1:$vcr_admin/readyz" 10 &&
  python3 "$HERE/request_stream.py" --protocol redis --port "$vcr_port" --requests 200 --prefix smoke: \
    >"$logs/vcproxy-redis-smoke.log" 2>&1; then
  vc_redis=1
  log "vcproxy accepts a redis listener: redis rows are measured"
else
  reason=$(grep -v '^\s*$' "$logs/vcproxy-redis.log" | tail -n 1)
  [[ -z $reason ]] && reason=$(tail -n 1 "$logs/vcproxy-redis-smoke.log" 2>/dev/null)
  note redis vcproxy redis_vcproxy "n/a (redis listener not available): ${reason:-did not become ready}"
  log "vcproxy refuses a redis listener; redis rows for vcproxy are n/a (${reason:-not ready})"
  stop "$vcr_pid"
fi

# --- throughput loads -------------------------------------------------------------------------------
# mcload_run LOAD TARGET PORT REP [mcload options...]: one bounded mcload run, recorded. The figure is
# requests/s for get/set and keys/s (fetched keys + sets) for multi-get.
mcload_run() {
  local load=$1 target=$2 port=$3 rep=$4 kind=mc; shift 4
  [[ $target == vc10 || $target == vc10000 ]] && kind=matcher
  local logf="$logs/mcload.$load.$target.$rep.log" line
  timeout -k 5 "$LOAD_TIMEOUT" "$mcload_bin" --port "$port" --seconds "$duration" --conns 32 --threads 2 "$@" \
    >"$logf" 2>&1
  line=$(grep '^requests=' "$logf" | tail -n 1)
  if [[ -z $line ]]; then
    log "mcload $load $target rep $rep: no result (see $logf)"
    note "$load" "$target" mcload "rep $rep: no result, see logs/$(basename "$logf")"
    return
  fi
  local -A f=()
  local kv
  for kv in $line; do f[${kv%%=*}]=${kv#*=}; done
  local ops=${f[rps]}
  [[ $load == mget* ]] && ops=${f[keys_per_s]}
  record "$kind" "$load" "$target" "$rep" ops "$ops"
  record "$kind" "$load" "$target" "$rep" p50_us "${f[p50_us]}"
  record "$kind" "$load" "$target" "$rep" p99_us "${f[p99_us]}"
  record "$kind" "$load" "$target" "$rep" errors $((f[errors] + f[populate_errors]))
  record "$kind" "$load" "$target" "$rep" misses "${f[misses]}"
  record "$kind" "$load" "$target" "$rep" gets $((f[keys] - f[sets]))
  ((f[lost_conns] > 0)) && note "$load" "$target" mcload "rep $rep: ${f[lost_conns]} connection(s) lost"
  local unit=req/s
  [[ $load == mget* ]] && unit=keys/s
  log "  $load $target: $ops $unit, p99 ${f[p99_us]} us, errors ${f[errors]}"
}

# memaslap TARGET PORT REP: one bounded memcaslap get/set run (its default 9:1 mix); error replies,
# which memaslap ignores, are counted from its output.
memaslap() {
  local target=$1 port=$2 rep=$3
  local logf="$logs/memcaslap.$target.$rep.log"
  timeout -k 5 "$LOAD_TIMEOUT" memcaslap -s "127.0.0.1:$port" -t "${duration}s" -c 32 -T 2 >"$logf" 2>&1
  local tps errors
  tps=$(sed -n 's/.*TPS: \([0-9]*\).*/\1/p' "$logf" | tail -n 1)
  errors=$(grep -c -E '(CLIENT_|SERVER_)?ERROR' "$logf")
  if [[ -z $tps ]]; then
    note memaslap "$target" memcaslap "rep $rep: no result, see logs/$(basename "$logf")"
    return
  fi
  record memaslap getset "$target" "$rep" ops "$tps"
  record memaslap getset "$target" "$rep" errors "$errors"
  # memaslap prints every error reply; keep the log small.
  if ((errors > 20)); then
    { grep -v -E '(CLIENT_|SERVER_)?ERROR' "$logf"; grep -m 20 -E '(CLIENT_|SERVER_)?ERROR' "$logf"
      echo "... $errors error replies in all"; } >"$logf.tmp" && mv "$logf.tmp" "$logf"
  fi
  log "  memcaslap $target: $tps ops/s, $errors error replies"
}

# redisbench P TARGET PORT REP: redis-benchmark GET/SET/LPUSH, then MGET of 10 keys, recorded.
redisbench() {
  local pipe=$1 target=$2 port=$3 rep=$4
  local n=$REDIS_N_P1 load="P$1"
  ((pipe > 1)) && n=$REDIS_N_P16
  local logf="$logs/redis-benchmark.$load.$target.$rep.csv"
  local common=(-h 127.0.0.1 -p "$port" -c 50 -r 100000 -P "$pipe" --csv)
  local mget=(MGET) i
  for i in 1 2 3 4 5 6 7 8 9 10; do mget+=("key:__rand_int__"); done
  {
    timeout -k 5 "$LOAD_TIMEOUT" redis-benchmark "${common[@]}" -n "$n" -t set,get,lpush
    timeout -k 5 "$LOAD_TIMEOUT" redis-benchmark "${common[@]}" -n $((n / 2)) "${mget[@]}"
  } >"$logf" 2>"$logf.err"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  local test rps p50 p99 summary=""
  while IFS=, read -r test rps _ _ p50 _ p99 _; do
    test=${test//\"/} rps=${rps//\"/} p50=${p50//\"/} p99=${p99//\"/}
    [[ $test == test || -z $rps ]] && continue
    test=${test%% *}  # "MGET key:__rand_int__ ..." -> MGET
    record redis "$load" "$target" "$rep" "$test.rps" "$rps"
    [[ -n $p50 ]] && record redis "$load" "$target" "$rep" "$test.p50" "$p50"
    [[ -n $p99 ]] && record redis "$load" "$target" "$rep" "$test.p99" "$p99"
    summary+=" $test=${rps%.*}"
  done <"$logf"
  [[ -z $summary ]] && note "$load" "$target" redis-benchmark "rep $rep: no result, see logs/$(basename "$logf")"
  log "  redis $load $target:${summary:- no result}"
}

# rotate REP ITEMS...: prints ITEMS rotated left by REP, so every target takes every position.
rotate() {
  local rep=$1; shift
  local items=("$@") n=$# i
  for ((i = 0; i < n; i++)); do printf '%s\n' "${items[$(((i + rep) % n))]}"; done
}

declare -A mc_port_of=([direct]=$mc_port [vcproxy]=$vc_port [twemproxy]=$nc_mc_port [vc10]=$vc10_port [vc10000]=$vc10k_port
  [vcpool3]=$vcp_port)
declare -A redis_port_of=([direct]=$redis_port [vcproxy]=$vcr_port [twemproxy]=$nc_redis_port)
redis_targets=(direct twemproxy)
((vc_redis)) && redis_targets=(direct vcproxy twemproxy)
load_avg_start=$(cut -d' ' -f1-3 /proc/loadavg)

runs throughput || reps=0
for ((rep = 1; rep <= reps; rep++)); do
  log "repetition $rep/$reps"
  for load in getset mget10 mget100; do
    keys_per_get=1
    [[ $load == mget* ]] && keys_per_get=${load#mget}
    while read -r target; do
      mcload_run "$load" "$target" "${mc_port_of[$target]}" "$rep" --mget "$keys_per_get"
    done < <(rotate "$rep" direct vcproxy twemproxy vcpool3)
  done
  # Large values: what copying them would cost (vcproxy sends values of 4 KiB and more uncopied).
  while read -r target; do
    mcload_run getset100k "$target" "${mc_port_of[$target]}" "$rep" --value-size 102400 --keys 1000
  done < <(rotate "$rep" direct vcproxy twemproxy)
  while read -r target; do
    mcload_run getset "$target" "${mc_port_of[$target]}" "$rep"
  done < <(rotate "$rep" vc10 vc10000)
  while read -r target; do
    memaslap "$target" "${mc_port_of[$target]}" "$rep"
  done < <(rotate "$rep" direct vcproxy twemproxy vcpool3)
  for pipe in 1 16; do
    while read -r target; do
      redisbench "$pipe" "$target" "${redis_port_of[$target]}" "$rep"
    done < <(rotate "$rep" "${redis_targets[@]}")
  done
done
load_avg_end=$(cut -d' ' -f1-3 /proc/loadavg)

# The throughput servers are no longer needed; the memory and callgrind figures use fresh processes.
stop_all
start memcached memcached "${memcached_user[@]}" -l 127.0.0.1 -p "$mc_port" -U 0 -t 2 -m 1024 -c 20000
util wait-tcp "$mc_port" 10 || die "memcached did not restart"
start redis-server redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
util wait-tcp "$redis_port" 10 || die "redis-server did not restart"

# --- instructions per request (callgrind) -------------------------------------------------------------
# Each proxy runs under callgrind with 1 worker. For each phase (get/set 9:1, then multi-get 9:1 on the
# keys the first phase stored): zero the counters, send the fixed request stream (request_stream.py, one
# request at a time over one connection), dump; zero, wait as long with no requests, dump.
# Ir per request = (Ir of the load window - Ir of the idle window) / requests. All threads of the proxy
# are counted; the client and the backend run outside valgrind.
# shellcheck disable=SC2034  # used through the nameref in callgrind_proxy
cg_phases_memcache=("getset $CG_REQUESTS 1" "mget100 $((CG_REQUESTS / 10)) 100")
# shellcheck disable=SC2034
cg_phases_redis=("getset $CG_REQUESTS 1" "mget10 $((CG_REQUESTS / 4)) 10")
# shellcheck disable=SC2034
cg_phases_getset=("getset $CG_REQUESTS 1")

# cg_window VG NAME: zero, run the command in the remaining arguments, dump as NAME; prints its output.
cg_window() {
  local vg=$1 name=$2; shift 2
  callgrind_control --zero "$vg" >/dev/null 2>&1 || return 1
  "$@" || return 1
  callgrind_control --dump="$name" "$vg" >/dev/null 2>&1
}

# callgrind_proxy NAME TARGET PROTO PHASES PORT READY CMD...: PHASES names one of the cg_phases_* arrays;
# READY is "tcp" or the /readyz URL.
callgrind_proxy() {
  local name=$1 target=$2 proto=$3 port=$5 ready=$6
  local -n phases=$4
  shift 6
  local cg="$out_dir/callgrind/$name.$proto.out"
  # Instrumentation starts once the proxy is ready: startup (e.g. loading 10,000 versions) runs at
  # valgrind's uninstrumented speed and is in no window anyway.
  start "callgrind.$name.$proto" valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes \
    --callgrind-out-file="$cg" "$@"
  local vg=$started ok=1 dump=0 phase requests mget stream_out seconds
  if [[ $ready == tcp ]]; then util wait-tcp "$port" 120 || ok=0; else wait_ready "$vg" "$ready" 300 || ok=0; fi
  ((ok)) && { callgrind_control --instr=on "$vg" >/dev/null 2>&1 || ok=0; }
  sleep 1
  for phase in "${phases[@]}"; do
    ((ok)) || break
    read -r phase requests mget <<<"$phase"
    stream_out="$work/stream.$name.$proto.$phase.out"
    cg_window "$vg" "$phase-load" timeout -k 5 300 python3 "$HERE/request_stream.py" --protocol "$proto" \
      --port "$port" --requests "$requests" --mget "$mget" --prefix "cg-$name:" >"$stream_out" 2>&1 || ok=0
    seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$stream_out")
    cg_window "$vg" "$phase-idle" sleep "${seconds:-1}" || ok=0
    ((ok)) || break
    # Per-thread dumps: all threads, and the data path alone (vcproxy's worker threads, the ones that
    # run ClientConn code; nutcracker has one thread).
    local ir_load ir_idle wk_load wk_idle worker_fn=ClientConn
    [[ $name == nutcracker ]] && worker_fn=""
    ir_load=$(util cg-sum "$cg.$((dump + 1))") && ir_idle=$(util cg-sum "$cg.$((dump + 2))") &&
      wk_load=$(util cg-sum "$cg.$((dump + 1))" $worker_fn) && wk_idle=$(util cg-sum "$cg.$((dump + 2))" $worker_fn) ||
      { ok=0; break; }
    record cg "$proto.$phase" "$target" 0 ir_load "$ir_load"
    record cg "$proto.$phase" "$target" 0 ir_idle "$ir_idle"
    record cg "$proto.$phase" "$target" 0 workers_load "$wk_load"
    record cg "$proto.$phase" "$target" 0 workers_idle "$wk_idle"
    record cg "$proto.$phase" "$target" 0 requests "$requests"
    record cg "$proto.$phase" "$target" 0 idle_seconds "${seconds:-1}"
    log "  callgrind $name $proto $phase: $(((ir_load - ir_idle) / requests)) Ir/request," \
      "data path $(((wk_load - wk_idle) / requests)) ($(cat "$stream_out"))"
    # Top functions by self cost in the busiest thread (the worker); thread-entry frames carrying the
    # whole total are left out.
    callgrind_annotate --inclusive=no --threshold=100 "$(util cg-biggest "$cg.$((dump + 1))")" 2>/dev/null |
      awk '!/PROGRAM TOTALS/ && match($0, /^ *[0-9,]+ +\( *[0-9.]+%\)/) {
             if (match($0, /\( *[0-9.]+%\)/) && substr($0, RSTART + 1, RLENGTH - 3) + 0 >= 99) next
             print; if (++n == 25) exit }' |
      sed 's|/work/main/||g; s|\[/usr/lib/x86_64-linux-gnu/|[|' | cut -c1-200 >"$out_dir/callgrind/$name.$proto.$phase.top.txt"
    dump=$((dump + 2))
  done
  stop "$vg"
  if ((!ok)); then
    note "$proto" "$target" callgrind "failed in phase $phase: $(cat "${stream_out:-/dev/null}" 2>/dev/null) (see logs/callgrind.$name.$proto.log)"
    log "callgrind $name $proto failed"
    return 1
  fi
}

if runs callgrind; then
  log "callgrind: the same request streams through vcproxy and nutcracker"
  cg_ports=("${spare_ports[@]}")
  # cg_vcproxy NAME TARGET PHASES CACHES [gen_config options]: vcproxy with 1 worker in front of memcached
  cg_vcproxy() {
    gen vcproxy --listen "${cg_ports[0]}" --backend "$mc_port" --admin "${cg_ports[1]}" --workers 1 --caches "$4" \
      "${@:5}" >"$work/$1-callgrind.yaml"
    callgrind_proxy "$1" "$2" memcache "$3" "${cg_ports[0]}" "http://127.0.0.1:${cg_ports[1]}/readyz" \
      "$vcproxy_bin" --config "$work/$1-callgrind.yaml"
  }
  cg_vcproxy vcproxy vcproxy cg_phases_memcache 1
  gen nutcracker --mc-listen "${cg_ports[0]}" --mc-backend "$mc_port" \
    --redis-listen "${cg_ports[2]}" --redis-backend "$redis_port" >"$work/nutcracker-callgrind.yml"
  # One nutcracker config serves both pools; each protocol gets its own callgrind run.
  callgrind_proxy nutcracker twemproxy memcache cg_phases_memcache "${cg_ports[0]}" tcp \
    nutcracker -c "$work/nutcracker-callgrind.yml" -a 127.0.0.1 -s "${cg_ports[1]}" -o "$logs/nutcracker-callgrind.out"
  if ((vc_redis)); then
    gen vcproxy --protocol redis --listen "${cg_ports[2]}" --backend "$redis_port" --admin "${cg_ports[1]}" \
      --workers 1 >"$work/vcproxy-redis-callgrind.yaml"
    callgrind_proxy vcproxy vcproxy redis cg_phases_redis "${cg_ports[2]}" "http://127.0.0.1:${cg_ports[1]}/readyz" \
      "$vcproxy_bin" --config "$work/vcproxy-redis-callgrind.yaml"
  fi
  callgrind_proxy nutcracker twemproxy redis cg_phases_redis "${cg_ports[2]}" tcp \
    nutcracker -c "$work/nutcracker-callgrind.yml" -a 127.0.0.1 -s "${cg_ports[1]}" -o "$logs/nutcracker-callgrind.out"
  # The key matcher, without the noise of throughput: the same get/set stream with 10 and 10,000 caches.
  # Both keep their versions in redis (db 1): under callgrind, loading 10,000 versions from the memcached
  # store takes longer than the store's 500 ms operation timeout, so vcproxy would never become ready.
  cg_vcproxy vcproxy-10 vc10 cg_phases_getset 10 --version-store "redis://127.0.0.1:$redis_port/1"
  cg_vcproxy vcproxy-10000 vc10000 cg_phases_getset 10000 --version-store "redis://127.0.0.1:$redis_port/1"
fi

# --- resident memory per idle connection ---------------------------------------------------------------
# rss_conns TARGET PORT PID: opens IDLE_CONNS idle connections to PORT, reads VmRSS of PID before/after.
rss_conns() {
  local target=$1 port=$2 pid=$3 status="$work/idle.$1.status"
  local before fds
  sleep 1
  before=$(util rss "$pid") fds=$(util fds "$pid")
  rm -f "$status"
  start "idle-conns.$target" python3 "$HERE/idle_conns.py" --port "$port" --count "$IDLE_CONNS" \
    --status-file "$status" --hold 300
  local client=$started t
  for ((t = 0; t < 1200; t++)); do [[ -s $status ]] && break; sleep 0.1; done
  if [[ $(cat "$status" 2>/dev/null) != opened* ]]; then
    note memcache "$target" rss "opening $IDLE_CONNS connections failed: $(cat "$status" 2>/dev/null)"
    stop "$client"
    return 1
  fi
  util wait-fds "$pid" $((fds + IDLE_CONNS)) 60 || log "  $target: not every connection shows up as an fd yet"
  sleep 1
  local after touched=""
  after=$(util rss "$pid")
  kill -USR1 "$client"
  for ((t = 0; t < 1200; t++)); do [[ $(cat "$status") == touched* || $(cat "$status") == failed* ]] && break; sleep 0.1; done
  if [[ $(cat "$status") == touched* ]]; then
    sleep 0.5
    touched=$(util rss "$pid")
  fi
  stop "$client"
  record rss memcache "$target" 0 before "$before"
  record rss memcache "$target" 0 after "$after"
  [[ -n $touched ]] && record rss memcache "$target" 0 touched "$touched"
  record rss memcache "$target" 0 count "$IDLE_CONNS"
  log "  rss $target: $before KiB -> $after KiB with $IDLE_CONNS idle connections -> ${touched:-?} KiB after one get each"
}

if runs rss; then
  log "resident memory with $IDLE_CONNS idle connections"
  gen vcproxy --listen "${cg_ports[0]}" --backend "$mc_port" --admin "${cg_ports[1]}" >"$work/vcproxy-rss.yaml"
  if start_vcproxy vcproxy-rss "$work/vcproxy-rss.yaml" "${cg_ports[1]}"; then
    vc_rss_pid=$started
    rss_conns vcproxy "${cg_ports[0]}" "$vc_rss_pid"
    stop "$vc_rss_pid"
  fi
  gen nutcracker --mc-listen "${cg_ports[0]}" --mc-backend "$mc_port" >"$work/nutcracker-rss.yml"
  start nutcracker-rss nutcracker -c "$work/nutcracker-rss.yml" -a 127.0.0.1 -s "${cg_ports[1]}" -o "$logs/nutcracker-rss.out"
  nc_rss_pid=$started
  if util wait-tcp "${cg_ports[0]}" 10; then rss_conns twemproxy "${cg_ports[0]}" "$nc_rss_pid"; fi
  stop "$nc_rss_pid"
fi
stop_all

# --- report ---------------------------------------------------------------------------------------------
mode="full"
((quick)) && mode="quick (figures only show that every part works)"
python3 "$HERE/report.py" "$raw" --out "$out_dir/results.md" --callgrind-dir "$out_dir/callgrind" \
  --meta "mode=$mode; $reps repetition(s), memcaslap ${duration} s per run, redis-benchmark -n $REDIS_N_P1 (P1) / $REDIS_N_P16 (P16) per test" \
  --meta "machine=$(nproc) cores, $(uname -sr), load average $load_avg_start at start, $load_avg_end after the throughput loads (other work on the machine makes figures noisy)" \
  --meta "versions=vcproxy $("$vcproxy_bin" --version 2>/dev/null | awk '{print $2}'), $(memcached -V), $(redis-server --version | awk '{print $3}' | sed 's/v=/redis /'), $(nutcracker -V 2>&1 | head -n 1 | sed 's/This is //'), $(valgrind --version)" \
  --meta "files=$out_dir/results.md, raw samples $raw, logs $logs, callgrind outputs $out_dir/callgrind"
