#!/usr/bin/env python3
"""Opens many idle loopback client connections and holds them (python3 stdlib only).

  idle_conns.py --port P --count 10000 --status-file F [--hold 120]

1. Opens COUNT connections to 127.0.0.1:P (raising its own RLIMIT_NOFILE as far as allowed),
   then writes "opened N" to the status file.
2. On SIGUSR1 sends one memcached "get" (a miss) on every connection, reads every reply, and
   writes "touched N" to the status file: shows what a connection costs once it has been used.
3. Holds everything until SIGTERM or --hold seconds, then exits (closing the connections).
"""
import argparse
import os
import resource
import signal
import socket
import sys
import time

touch_requested = False


def on_usr1(_signum, _frame):
    global touch_requested
    touch_requested = True


def write_status(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".tmp", path)


def touch(conns):
    for i, sock in enumerate(conns):
        sock.sendall(b"get idle:%d\r\n" % i)
    for sock in conns:
        data = b""
        while not data.endswith(b"END\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                raise EOFError("connection closed")
            data += chunk


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--status-file", required=True)
    parser.add_argument("--hold", type=float, default=120)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    conns = []
    deadline = time.monotonic() + args.hold
    try:
        for _ in range(args.count):
            conns.append(socket.create_connection(("127.0.0.1", args.port), timeout=30))
    except OSError as error:
        write_status(args.status_file, f"failed {len(conns)} {error}")
        sys.exit(1)
    write_status(args.status_file, f"opened {len(conns)}")
    while time.monotonic() < deadline:
        if touch_requested:
            try:
                touch(conns)
            except (OSError, EOFError) as error:
                write_status(args.status_file, f"failed-touch {error}")
                sys.exit(1)
            write_status(args.status_file, f"touched {len(conns)}")
            break
        time.sleep(0.05)
    while time.monotonic() < deadline:
        time.sleep(0.2)


if __name__ == "__main__":
    main()
