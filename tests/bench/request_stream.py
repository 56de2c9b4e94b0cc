#!/usr/bin/env python3
"""Sends a fixed, deterministic request stream over one connection, one request at a time
(python3 stdlib only). Used to count a proxy's instructions per request under callgrind: every
proxy sees exactly the same bytes in the same order.

  request_stream.py --port P [--protocol memcache|redis] [--requests 20000] [--keys 1000]
                    [--value-size 100] [--set-every 10] [--prefix bench:] [--mget 1]

Request i is a SET when i % set_every == 0, else a GET (default 9 gets : 1 set), of key
"<prefix><(i // set_every - i % set_every) % keys>": sets walk the key space, gets read the
keys set just before, so they hit once the stream is warm. With --mget K a GET asks for K keys
(memcached "get k1 .. kK", Redis MGET): that key and the K-1 keys before it. Every reply is parsed
and checked (a returned key must be one that was asked for); exit status 1 on any unexpected reply. Prints "requests=N gets=G hits=H sets=S seconds=T" (hits counts keys).
"""
import argparse
import socket
import sys
import time


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the proxy")
        self.buf += chunk

    def line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                out = bytes(self.buf[:end])
                del self.buf[: end + 2]
                return out
            self._fill()

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def resp_command(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(p), p))
    return b"".join(out)


def memcache_get(reader, sock, keys):
    sock.sendall(b"get " + b" ".join(keys) + b"\r\n")
    hits = 0
    while True:
        line = reader.line()
        if line == b"END":
            return hits
        fields = line.split()
        if len(fields) < 4 or fields[0] != b"VALUE" or fields[1] not in keys:
            raise ValueError(f"unexpected get reply: {line!r}")
        reader.exact(int(fields[3]) + 2)
        hits += 1


def memcache_set(reader, sock, key, value):
    sock.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
    line = reader.line()
    if line != b"STORED":
        raise ValueError(f"unexpected set reply: {line!r}")


def redis_bulk(reader, line):
    if line == b"$-1" or line == b"_":
        return 0
    if not line.startswith(b"$"):
        raise ValueError(f"unexpected GET/MGET reply: {line!r}")
    reader.exact(int(line[1:]) + 2)
    return 1


def redis_get(reader, sock, keys):
    if len(keys) == 1:
        sock.sendall(resp_command(b"GET", keys[0]))
        return redis_bulk(reader, reader.line())
    sock.sendall(resp_command(b"MGET", *keys))
    line = reader.line()
    if line != b"*%d" % len(keys):
        raise ValueError(f"unexpected MGET reply: {line!r}")
    return sum(redis_bulk(reader, reader.line()) for _ in keys)


def redis_set(reader, sock, key, value):
    sock.sendall(resp_command(b"SET", key, value))
    line = reader.line()
    if line != b"+OK":
        raise ValueError(f"unexpected SET reply: {line!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--protocol", choices=["memcache", "redis"], default="memcache")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--set-every", type=int, default=10)
    parser.add_argument("--prefix", default="bench:", help="key prefix; a fresh prefix starts from a cold key space")
    parser.add_argument("--mget", type=int, default=1, help="keys per GET")
    args = parser.parse_args()

    get, put = (memcache_get, memcache_set) if args.protocol == "memcache" else (redis_get, redis_set)
    value = (b"0123456789abcdef" * (args.value_size // 16 + 1))[: args.value_size]
    prefix = args.prefix.encode()
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = Reader(sock)
    gets = hits = sets = 0
    start = time.monotonic()
    try:
        for i in range(args.requests):
            # Sets walk the key space; gets read the keys set just before, so they hit.
            base = i // args.set_every - i % args.set_every
            if i % args.set_every == 0:
                put(reader, sock, prefix + b"%d" % (base % args.keys), value)
                sets += 1
            else:
                hits += get(reader, sock, [prefix + b"%d" % ((base - j) % args.keys) for j in range(args.mget)])
                gets += 1
    except (ValueError, EOFError, OSError) as error:
        print(f"request_stream: request {gets + sets}: {error}", file=sys.stderr)
        sys.exit(1)
    seconds = time.monotonic() - start
    sock.close()
    print(f"requests={gets + sets} gets={gets} hits={hits} sets={sets} seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
