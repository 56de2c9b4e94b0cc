# Sourced by the bench scripts: the processes a script starts, tracked by pid, so it stops only
# what it started. Needs $HERE (this folder) and $logs (where each process's output goes).

pids=()

# start NAME CMD...: runs CMD in the background with its output in $logs/NAME.log; sets $started.
start() {
  local name=$1; shift
  "$@" >"$logs/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
}

# stop PID: SIGTERM one process this script started, and reap it.
stop() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  local keep=() pid
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

# stop_all: SIGTERM every process this script started, and reap them.
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}

util() { python3 "$HERE/bench_util.py" "$@"; }
