#!/usr/bin/env python3
"""Generates proxy/codec/redis_commands.cc, the Redis command table of vcproxy.

The table comes from a live redis-server: COMMAND (arity, flags, key specs, subcommands) and
COMMAND DOCS (group, argument types). What the server cannot tell -- which commands need their
own key-finding rules, which special cases the proxy must handle, where replies carry keys -- is
written below, next to the data it annotates, and checked against it.

  python3 scripts/redis/gen_command_table.py               # starts its own redis-server
  python3 scripts/redis/gen_command_table.py --server 127.0.0.1:6379
  python3 scripts/redis/gen_command_table.py --check       # exit 1 if the checked-in file differs

Only the Python standard library is used: the script speaks RESP3 itself.
"""

import argparse
import collections
import os
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO, "proxy", "codec", "redis_commands.cc")

# Flags the C++ header knows (kCmd<CamelCase>, kKey<Name>). A server with other flags fails the
# generation: add them to redis_commands.h first.
COMMAND_FLAGS = [
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
    "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "no_mandatory_keys", "movablekeys",
    "no_multi", "allow_busy", "no_async_loading",
]
KEY_FLAGS = {
    "RO": "kKeyRO", "RW": "kKeyRW", "OW": "kKeyOW", "RM": "kKeyRM", "access": "kKeyAccess",
    "update": "kKeyUpdate", "insert": "kKeyInsert", "delete": "kKeyDelete", "not_key": "kKeyNotKey",
    "incomplete": "kKeyIncomplete", "variable_flags": "kKeyVariableFlags",
}

# Commands whose keys findKeyPositions finds with the command's own parser rules, because their
# key specs are unknown, incomplete, or read differently from the parser (checked on 7.0.15:
# `SORT l STORE GET STORE x` stores into x, COMMAND GETKEYS says GET; `GEORADIUS ... STORE a
# STORE b` stores into b; `XREADGROUP COUNT 1 GROUP g STREAMS STREAMS k >` reads k).
KEY_PROCS = {
    "sort": "kSort",
    "sort_ro": "kSortRo",
    "migrate": "kMigrate",
    "georadius": "kGeoradius",
    "georadiusbymember": "kGeoradius",
    "xread": "kXread",
    "xreadgroup": "kXread",
}

# What the proxy must handle beyond the key positions (kSpecial* in redis_commands.h).
SPECIAL = {
    "KeyPattern": ["keys", "scan", "sort", "sort_ro"],
    "Script": ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"],
    "NestedCommand": ["command|getkeys", "command|getkeysandflags"],
    "KeyPrefix": ["client|tracking"],
    # Key names in arguments without key specs: DEBUG OBJECT/DIGEST-VALUE/..., CLUSTER KEYSLOT.
    "UndeclaredKey": ["debug", "cluster|keyslot"],
    "WholeKeyspace": [
        "flushdb", "flushall", "swapdb", "randomkey", "dbsize", "keys", "scan",
        "cluster|getkeysinslot", "cluster|countkeysinslot",
    ],
    "ConnectionState": [
        "select", "multi", "exec", "discard", "watch", "unwatch", "subscribe", "psubscribe",
        "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "client|tracking", "client|id",
        "client|caching", "client|reply", "client|setname", "client|no-evict", "hello", "auth",
        "reset", "readonly", "readwrite", "asking", "monitor", "quit", "sync", "psync", "replconf",
    ],
}

# Where replies carry keys (RedisReplyKeys in redis_commands.h).
REPLY_KEYS = {
    "randomkey": "kWhole",
    "keys": "kEachElement",
    "command|getkeys": "kEachElement",
    "cluster|getkeysinslot": "kEachElement",
    "blpop": "kFirstElement",
    "brpop": "kFirstElement",
    "blmpop": "kFirstElement",
    "lmpop": "kFirstElement",
    "bzpopmin": "kFirstElement",
    "bzpopmax": "kFirstElement",
    "bzmpop": "kFirstElement",
    "zmpop": "kFirstElement",
    "scan": "kScan",
    "xread": "kFirstOfEachElement",
    "xreadgroup": "kFirstOfEachElement",
    "command|getkeysandflags": "kFirstOfEachElement",
}


class RedisError(Exception):
    pass


class Connection:
    """A minimal RESP3 client: enough for HELLO, COMMAND, COMMAND DOCS and INFO."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg.encode() if isinstance(arg, str) else arg
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self.read()

    def line(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise RedisError("connection closed or not RESP: %r" % line)
        return line[:1], line[1:-2]

    def read(self):
        kind, rest = self.line()
        if kind in (b"+", b"("):
            return rest.decode() if kind == b"+" else int(rest)
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2].decode()
            if kind == b"!":
                raise RedisError(data)
            return data[4:] if kind == b"=" else data
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if kind in (b"%", b"|"):
            pairs = {}
            for _ in range(int(rest)):
                key = self.read()
                pairs[key] = self.read()
            return self.read() if kind == b"|" else pairs  # an attribute annotates the next value
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind == b",":
            return float(rest)
        raise RedisError("unknown RESP type %r" % kind)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary):
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--logfile", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            conn = Connection("127.0.0.1", port)
            conn.call("PING")
            return proc, conn
        except OSError:
            if proc.poll() is not None:
                sys.exit("redis-server exited at start (code %s)" % proc.returncode)
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not answer on port %d" % port)


def camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.replace("|", " ").replace("-", " ")
                   .replace("_", " ").split())


class Command:
    def __init__(self, info, parent):
        self.full_name = info[0].lower()
        self.name = self.full_name.split("|")[-1]
        self.parent = parent.full_name if parent else ""
        self.arity = info[1]
        self.flags = sorted(info[2])
        self.key_specs = info[8]
        self.subcommands = sorted((Command(sub, self) for sub in info[9]), key=lambda c: c.name)
        self.group = ""
        self.doc_args = []

    def walk(self):
        yield self
        for sub in self.subcommands:
            yield from sub.walk()


def load(conn):
    conn.call("HELLO", "3")
    version = conn.call("INFO", "server")
    version = next(l.split(":", 1)[1] for l in version.splitlines() if l.startswith("redis_version:"))
    commands = sorted((Command(info, None) for info in conn.call("COMMAND")), key=lambda c: c.name)
    docs = {}

    def add_docs(name, doc):
        docs[name] = doc
        for sub_name, sub_doc in (doc.get("subcommands") or {}).items():
            add_docs(sub_name, sub_doc)

    for name, doc in conn.call("COMMAND", "DOCS").items():
        add_docs(name.lower(), doc)
    for cmd in (c for top in commands for c in top.walk()):
        doc = docs.get(cmd.full_name, {})
        cmd.group = doc.get("group", "")
        cmd.doc_args = list(walk_args(doc.get("arguments") or []))
    return version, commands


def walk_args(args):
    for arg in args:
        yield arg
        yield from walk_args(arg.get("arguments") or [])


def check(commands):
    """Fails on what the C++ side or the hand-written tables would get wrong."""
    by_name = {c.full_name: c for top in commands for c in top.walk()}
    errors = []
    named = list(KEY_PROCS) + list(REPLY_KEYS) + [n for names in SPECIAL.values() for n in names]
    errors += ["unknown command %r in the hand-written tables" % n for n in named if n not in by_name]
    for cmd in by_name.values():
        errors += ["%s: unknown flag %r" % (cmd.full_name, f) for f in cmd.flags if f not in COMMAND_FLAGS]
        for spec in cmd.key_specs:
            errors += ["%s: unknown key flag %r" % (cmd.full_name, f) for f in spec["flags"] if f not in KEY_FLAGS]
            vague = spec["begin_search"]["type"] == "unknown" or spec["find_keys"]["type"] == "unknown"
            if (vague or "incomplete" in spec["flags"]) and cmd.full_name not in KEY_PROCS:
                errors.append("%s: key spec unknown or incomplete: needs a key proc" % cmd.full_name)
            if spec["begin_search"]["type"] not in ("index", "keyword", "unknown"):
                errors.append("%s: begin_search %r" % (cmd.full_name, spec["begin_search"]["type"]))
            if spec["find_keys"]["type"] not in ("range", "keynum", "unknown"):
                errors.append("%s: find_keys %r" % (cmd.full_name, spec["find_keys"]["type"]))
        for arg in cmd.doc_args:
            if arg["type"] == "key" and arg.get("key_spec_index", -1) >= len(cmd.key_specs):
                errors.append("%s: key argument %r without a key spec" % (cmd.full_name, arg["name"]))
    if errors:
        sys.exit("\n".join(errors))
    return by_name


def spec_line(spec):
    flags = " | ".join(KEY_FLAGS[f] for f in spec["flags"]) or "0"
    fields = [".flags = " + flags]
    bs, fk = spec["begin_search"], spec["find_keys"]
    if bs["type"] == "index":
        fields += [".begin_search = BS::kIndex", ".index = %d" % bs["spec"]["index"]]
    elif bs["type"] == "keyword":
        fields += [".begin_search = BS::kKeyword", '.keyword = "%s"' % bs["spec"]["keyword"],
                   ".startfrom = %d" % bs["spec"]["startfrom"]]
    if fk["type"] == "range":
        s = fk["spec"]
        fields += [".find_keys = FK::kRange", ".lastkey = %d" % s["lastkey"], ".keystep = %d" % s["keystep"],
                   ".limit = %d" % s["limit"]]
    elif fk["type"] == "keynum":
        s = fk["spec"]
        fields += [".find_keys = FK::kKeynum", ".keystep = %d" % s["keystep"],
                   ".keynumidx = %d" % s["keynumidx"], ".firstkey = %d" % s["firstkey"]]
    return "    {" + ", ".join(fields) + "},"


def command_line(cmd, specials):
    fields = ['.name = "%s"' % cmd.name]
    if cmd.parent:
        fields.append('.parent = "%s"' % cmd.parent)
    fields.append(".arity = %d" % cmd.arity)
    if cmd.flags:
        fields.append(".flags = " + " | ".join("kCmd" + camel(f) for f in cmd.flags))
    if cmd.key_specs:
        fields.append(".key_specs = k%sKeys" % camel(cmd.full_name))
    if cmd.full_name in KEY_PROCS:
        fields.append(".key_proc = RedisKeyProc::" + KEY_PROCS[cmd.full_name])
    if specials.get(cmd.full_name):
        fields.append(".special = " + " | ".join("kSpecial" + s for s in specials[cmd.full_name]))
    if cmd.full_name in REPLY_KEYS:
        fields.append(".reply_keys = RedisReplyKeys::" + REPLY_KEYS[cmd.full_name])
    fields.append('.group = "%s"' % cmd.group)
    if cmd.subcommands:
        fields += [".subcommands = k%sSubcommands" % camel(cmd.full_name),
                   ".subcommand_count = %d" % len(cmd.subcommands)]
    return "    {" + ", ".join(fields) + "},"


def generate(version, commands):
    specials = collections.defaultdict(list)
    for kind, names in SPECIAL.items():
        for name in names:
            specials[name].append(kind)
    out = [
        "// GENERATED by scripts/redis/gen_command_table.py from redis-server %s: do not edit." % version,
        "// Regenerate: python3 scripts/redis/gen_command_table.py [--server host:port]",
        "// Check:      python3 scripts/redis/gen_command_table.py --check",
        "// The hand-written parts (key procs, special cases, reply keys) are tables in that script.",
        "// clang-format off",
        '#include "proxy/codec/redis_commands.h"',
        "",
        "// Entries name only the fields that differ from the defaults in redis_commands.h;",
        "// GCC would warn about every field left to its default member initializer.",
        "#pragma GCC diagnostic ignored \"-Wmissing-field-initializers\"",
        "",
        "namespace vcproxy::codec {",
        "namespace {",
        "",
        "using BS = RedisBeginSearch;",
        "using FK = RedisFindKeys;",
        "",
    ]
    all_commands = [c for top in commands for c in top.walk()]
    for cmd in all_commands:
        if cmd.key_specs:
            out.append("constexpr RedisKeySpec k%sKeys[] = {" % camel(cmd.full_name))
            out += [spec_line(s) for s in cmd.key_specs]
            out.append("};")
    out.append("")
    # Subcommand tables first: a container refers to its table.
    for cmd in all_commands:
        if cmd.subcommands:
            out.append("constexpr RedisCommand k%sSubcommands[] = {" % camel(cmd.full_name))
            out += [command_line(sub, specials) for sub in cmd.subcommands]
            out.append("};")
            out.append("")
    out.append("constexpr RedisCommand kCommands[] = {")
    out += [command_line(cmd, specials) for cmd in commands]
    out += [
        "};",
        "",
        "}  // namespace",
        "",
        "std::span<const RedisCommand> redisCommands() { return kCommands; }",
        "",
        "}  // namespace vcproxy::codec",
        "",
    ]
    return "\n".join(out)


def summary(version, commands, by_name):
    all_commands = list(by_name.values())
    subs = [c for c in all_commands if c.parent]
    print("redis-server %s: %d commands, %d subcommands" % (version, len(commands), len(subs)))
    groups = collections.Counter(c.group for c in all_commands)
    print("groups: " + ", ".join("%s %d" % g for g in sorted(groups.items())))
    keyed = [c for c in all_commands if c.key_specs]
    print("with key specs: %d; without: %d" % (len(keyed), len(all_commands) - len(keyed)))
    print("\nmovable keys (key positions depend on the arguments):")
    for c in all_commands:
        if "movablekeys" in c.flags:
            how = KEY_PROCS.get(c.full_name, "key specs")
            kinds = ", ".join("%s/%s" % (s["begin_search"]["type"], s["find_keys"]["type"]) for s in c.key_specs)
            print("  %-22s %-12s %s" % (c.full_name, how, kinds))
    print("\nNOT_KEY specs (channels, never rewritten): " +
          ", ".join(c.full_name for c in all_commands if any("not_key" in s["flags"] for s in c.key_specs)))
    print("\narguments that are patterns (COMMAND DOCS type 'pattern'):")
    for c in all_commands:
        for arg in c.doc_args:
            if arg["type"] == "pattern":
                key = "key names" if c.full_name in SPECIAL["KeyPattern"] else "not keys"
                print("  %-22s %-10s %s" % (c.full_name, arg.get("token") or arg["name"], key))
    print("\nspecial cases for the proxy:")
    for kind, names in SPECIAL.items():
        print("  %-16s %s" % (kind, " ".join(names)))
    print("\nreplies carrying keys:")
    for name, kind in REPLY_KEYS.items():
        print("  %-24s %s" % (name, kind))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", help="host:port of a running redis-server (default: start one)")
    parser.add_argument("--redis-server", default="redis-server", help="binary to start")
    parser.add_argument("--output", default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    parser.add_argument("--quiet", action="store_true", help="no summary")
    args = parser.parse_args()

    proc = None
    if args.server:
        host, port = args.server.rsplit(":", 1)
        conn = Connection(host, int(port))
    else:
        proc, conn = start_server(args.redis_server)
    try:
        version, commands = load(conn)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
    by_name = check(commands)
    text = generate(version, commands)
    if not args.quiet:
        summary(version, commands, by_name)
    if args.check:
        with open(args.output) as f:
            if f.read() != text:
                sys.exit("%s is out of date: run %s" % (args.output, sys.argv[0]))
        print("\n%s is up to date" % args.output)
        return
    with open(args.output, "w") as f:
        f.write(text)
    print("\nwrote %s" % args.output)


if __name__ == "__main__":
    main()
