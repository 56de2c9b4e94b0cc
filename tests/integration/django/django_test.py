#!/usr/bin/env python3
"""Django through vcproxy, end to end: a real memcached, a real vcproxy, Django's own
PyMemcacheCache backend.

  django_test.py --binary build/dev/proxy/vcproxy [--memcached /usr/bin/memcached]

Checks that Django's keys (KEY_PREFIX:VERSION:key, here ":1:users:1") are stored in memcached in
the versioned form ~vc:<namespace>:users:<version>::1:users:1, that POST
/caches/users/invalidate makes cache.get("users:1") miss while cache.get("other:1") still hits,
and that on SIGTERM vcproxy keeps serving Django's open connection and exits once Django closes
it. Prints `N passed, M failed`; exits 1 on any failure,
77 (skipped) when Django or pymemcache are not installed (Debian: python3-django,
python3-pymemcache).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

SKIP = 77
NAMESPACE = "djtest"
SHUTDOWN_GRACE_MS = 10000


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return bool(ok)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def admin(port, method, path):
    """(status, decoded JSON or text) of one admin API request."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
    except OSError as e:
        return None, str(e)
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, body


def wait_ready(port, process, seconds=15.0):
    deadline = time.monotonic() + seconds
    status, body = None, None
    while time.monotonic() < deadline and process.poll() is None:
        status, body = admin(port, "GET", "/readyz")
        if status == 200:
            return True, body
        time.sleep(0.1)
    return False, body


def memcached_keys(port):
    """Every key memcached holds (lru_crawler metadump all), URL-decoded."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"lru_crawler metadump all\r\n")
        data = b""
        while not (data.endswith(b"END\r\n") or data.startswith(b"BUSY") or data.startswith(b"ERROR")):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return [urllib.parse.unquote(k) for k in re.findall(r"^key=(\S+)", data.decode(), re.M)]


def wait_for_keys(port, patterns, seconds=5.0):
    """memcached's keys once every regex in `patterns` matches one (the crawler may lag)."""
    deadline = time.monotonic() + seconds
    keys = []
    while time.monotonic() < deadline:
        keys = memcached_keys(port)
        if all(any(re.fullmatch(p, k) for k in keys) for p in patterns):
            break
        time.sleep(0.1)
    return keys


def write_config(path, proxy_port, memcached_port, admin_port):
    with open(path, "w") as f:
        f.write(
            f'namespace: "{NAMESPACE}"\n'
            "workers: 1\n"
            f"shutdown_grace_ms: {SHUTDOWN_GRACE_MS}\n"
            "listeners:\n"
            "  - name: memcache\n"
            "    protocol: memcache\n"
            f"    listen: 127.0.0.1:{proxy_port}\n"
            f"    backends: [127.0.0.1:{memcached_port}]\n"
            "admin:\n"
            f"  listen: 127.0.0.1:{admin_port}\n"
            "version_store:\n"
            "  refresh_interval_ms: 200\n"
            "caches:\n"
            "  - name: users\n"
            '    patterns: [":1:users:*"]\n'
            "  - name: other\n"
            '    patterns: [":1:other:*"]\n')


def django_cache(proxy_port):
    import django
    from django.conf import settings

    settings.configure(CACHES={"default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": f"127.0.0.1:{proxy_port}",
    }})
    django.setup()
    from django.core.cache import cache
    return cache


def run(args, report, workdir, processes):
    memcached_port, proxy_port, admin_port = free_port(), free_port(), free_port()
    command = [args.memcached, "-l", "127.0.0.1", "-p", str(memcached_port), "-U", "0", "-t", "1", "-m", "64"]
    if os.geteuid() == 0:
        command += ["-u", "root"]  # memcached refuses to run as root otherwise
    memcached = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(memcached)
    if not report.check("memcached starts", wait_for_port(memcached_port, memcached)):
        return
    config = os.path.join(workdir, "vcproxy.yaml")
    write_config(config, proxy_port, memcached_port, admin_port)
    log = open(os.path.join(workdir, "vcproxy.log"), "w")
    vcproxy = subprocess.Popen([args.binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
    processes.append(vcproxy)
    ready, body = wait_ready(admin_port, vcproxy)
    if not report.check("vcproxy answers GET /readyz 200", ready, f"{body}"):
        return

    cache = django_cache(proxy_port)
    cache.set("users:1", "alice")
    cache.set("other:1", "bob")
    report.check("Django reads users:1 back through vcproxy", cache.get("users:1") == "alice")
    report.check("Django get_many restores both keys",
                 cache.get_many(["users:1", "other:1"]) == {"users:1": "alice", "other:1": "bob"})

    _, users = admin(admin_port, "GET", "/caches/users")
    version = users.get("version", "") if isinstance(users, dict) else ""
    report.check("GET /caches/users gives an 8-character version", re.fullmatch(r"[A-Za-z0-9]{8}", version), f"{users}")
    users_key = rf"~vc:{NAMESPACE}:users:{version}::1:users:1"
    other_key = rf"~vc:{NAMESPACE}:other:[A-Za-z0-9]{{8}}::1:other:1"
    keys = wait_for_keys(memcached_port, [re.escape(users_key), other_key])
    report.check(f"memcached holds {users_key}", users_key in keys, f"keys {keys}")
    report.check("memcached holds ~vc:djtest:other:<version>::1:other:1",
                 any(re.fullmatch(other_key, k) for k in keys), f"keys {keys}")
    report.check("memcached holds no unversioned :1:users:1 or :1:other:1",
                 ":1:users:1" not in keys and ":1:other:1" not in keys, f"keys {keys}")

    status, answer = admin(admin_port, "POST", "/caches/users/invalidate")
    report.check("POST /caches/users/invalidate answers 200 with a new version",
                 status == 200 and isinstance(answer, dict) and answer.get("previous") == version
                 and answer.get("version") not in (None, version), f"{status} {answer}")
    report.check("after the invalidation cache.get('users:1') is None", cache.get("users:1") is None)
    report.check("after the invalidation cache.get('other:1') still hits", cache.get("other:1") == "bob")

    cache.set("users:1", "carol")
    report.check("a new value of users:1 is served under the new version", cache.get("users:1") == "carol")
    new_key = f"~vc:{NAMESPACE}:users:{answer.get('version') if isinstance(answer, dict) else '?'}::1:users:1"
    keys = wait_for_keys(memcached_port, [re.escape(new_key)])
    report.check(f"memcached holds {new_key}", new_key in keys, f"keys {keys}")

    # SIGTERM drains: Django's open connection is still served, and vcproxy exits as soon as
    # Django closes it (well before shutdown_grace_ms).
    vcproxy.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    report.check("after SIGTERM vcproxy still serves Django's open connection",
                 vcproxy.poll() is None and cache.get("other:1") == "bob")
    started = time.monotonic()
    cache.close()
    try:
        code = vcproxy.wait(timeout=SHUTDOWN_GRACE_MS / 1000 + 5)
    except subprocess.TimeoutExpired:
        code = None
    seconds = time.monotonic() - started
    report.check(f"vcproxy exits 0 once Django closed its connection ({seconds:.2f}s)",
                 code == 0 and seconds < SHUTDOWN_GRACE_MS / 1000 / 2, f"exit {code} after {seconds:.2f}s")
    log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the vcproxy binary")
    parser.add_argument("--memcached", default=shutil.which("memcached") or "/usr/bin/memcached")
    args = parser.parse_args()
    try:
        import django  # noqa: F401
        import pymemcache  # noqa: F401
    except ImportError as e:
        print(f"SKIP {e} for {sys.executable}: install python3-django and python3-pymemcache")
        return SKIP
    if not os.path.exists(args.memcached):
        print(f"SKIP no memcached at {args.memcached}: install memcached")
        return SKIP
    report = Report()
    processes = []
    with tempfile.TemporaryDirectory(prefix="vcproxy-django-") as workdir:
        try:
            run(args, report, workdir, processes)
        except Exception as e:  # noqa: BLE001 - an unexpected error is one more failure
            report.check("the test ran to its end", False, f"{type(e).__name__}: {e}")
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
            log = os.path.join(workdir, "vcproxy.log")
            if report.failed and os.path.exists(log):
                print("--- vcproxy log ---")
                print(open(log).read()[-4000:])
    print(f"\n{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
