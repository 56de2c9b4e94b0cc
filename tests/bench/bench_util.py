#!/usr/bin/env python3
"""Small helpers for run.sh (python3 stdlib only).

  bench_util.py ports N                 print N free loopback TCP ports, one per line
  bench_util.py wait-tcp PORT SECONDS   wait until 127.0.0.1:PORT accepts a connection (exit 1 on timeout)
  bench_util.py wait-http URL SECONDS   wait until URL answers 200 (exit 1 on timeout)
  bench_util.py wait-fds PID N SECONDS  wait until process PID holds at least N open file descriptors
  bench_util.py rss PID                 print VmRSS of PID in KiB
  bench_util.py fds PID                 print the number of open file descriptors of PID
  bench_util.py cg-sum FILE [TEXT]      sum the "summary:" Ir of callgrind dump FILE, or of its per-thread
                                        parts FILE-NN (--separate-threads=yes); with TEXT only the parts
                                        that mention TEXT (e.g. a function of the worker threads)
  bench_util.py cg-biggest FILE         print the per-thread part of FILE with the most Ir
"""
import glob
import os
import socket
import sys
import time
import urllib.request


def free_ports(count):
    # Keep every socket bound until all are chosen so that the ports are distinct.
    socks, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_tcp(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_http(url, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cg_parts(path):
    parts = sorted(glob.glob(glob.escape(path) + "-*"))
    return parts if parts else ([path] if os.path.exists(path) else [])


def cg_summary(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    return 0


def cg_mentions(path, text):
    with open(path, errors="replace") as f:
        return any(text in line for line in f)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "ports":
        print("\n".join(str(p) for p in free_ports(int(args[0]))))
    elif cmd == "wait-tcp":
        sys.exit(0 if wait_tcp(int(args[0]), float(args[1])) else 1)
    elif cmd == "wait-http":
        sys.exit(0 if wait_http(args[0], float(args[1])) else 1)
    elif cmd == "wait-fds":
        pid, want, deadline = int(args[0]), int(args[1]), time.monotonic() + float(args[2])
        while fd_count(pid) < want:
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.1)
    elif cmd == "rss":
        print(rss_kib(int(args[0])))
    elif cmd == "fds":
        print(fd_count(int(args[0])))
    elif cmd == "cg-sum":
        parts = cg_parts(args[0])
        if not parts:
            sys.exit(f"no callgrind dump {args[0]}")
        if len(args) > 1:
            parts = [p for p in parts if cg_mentions(p, args[1])]
        print(sum(cg_summary(p) for p in parts))
    elif cmd == "cg-biggest":
        parts = cg_parts(args[0])
        if not parts:
            sys.exit(f"no callgrind dump {args[0]}")
        print(max(parts, key=cg_summary))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
