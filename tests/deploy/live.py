"""Running the real vcproxy binary for the checks that only a running process can answer:
health endpoints, signals, shutdown time, the container HEALTHCHECK command."""

import http.client
import json
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=2.0):
    """(status, body) of GET path on 127.0.0.1:port, or (None, error text)."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, body
    except OSError as e:
        return None, str(e)


class Proxy:
    """vcproxy --config on free loopback ports, with a backend port where nothing listens (so
    it starts, answers /healthz, and reports not ready on /readyz)."""

    def __init__(self, binary, shutdown_grace_ms=1000, wrapper=()):
        self.binary = binary
        self.shutdown_grace_ms = shutdown_grace_ms
        self.wrapper = list(wrapper)  # e.g. unshare: vcproxy as PID 1, as in a container
        self.admin_port = free_port()
        self.listen_port = free_port()
        self.dead_backend_port = free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="vcproxy-deploy-")
        self.config_path = os.path.join(self.dir.name, "vcproxy.yaml")
        self.log_path = os.path.join(self.dir.name, "vcproxy.log")
        self.process = None

    def write_config(self):
        with open(self.config_path, "w") as f:
            f.write(
                "workers: 1\n"
                f"shutdown_grace_ms: {self.shutdown_grace_ms}\n"
                "listeners:\n"
                "  - name: memcache\n"
                "    protocol: memcache\n"
                f"    listen: 127.0.0.1:{self.listen_port}\n"
                f"    backends: [127.0.0.1:{self.dead_backend_port}]\n"
                "    connect_timeout_ms: 200\n"
                "admin:\n"
                f"  listen: 127.0.0.1:{self.admin_port}\n"
                "version_store:\n"
                "  refresh_interval_ms: 200\n"
                "caches:\n"
                "  - name: users\n"
                "    patterns: [\":1:users:*\"]\n")

    def start(self):
        self.write_config()
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.wrapper + [self.binary, "--config", self.config_path],
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, seconds=15.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            status, _ = http_get(self.admin_port, "/healthz", timeout=0.5)
            if status == 200:
                return True
            time.sleep(0.05)
        return False

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, sig):
        """Sends `sig` to vcproxy (through a wrapper, to the wrapper's child)."""
        if not self.wrapper:
            self.process.send_signal(sig)
            return
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
            for child in f.read().split():
                os.kill(int(child), sig)

    def client(self):
        """An idle client connection to the memcache listener."""
        return socket.create_connection(("127.0.0.1", self.listen_port), timeout=2)

    def accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.listen_port), timeout=1):
                return True
        except OSError:
            return False

    def wait_exit(self, seconds):
        """The exit status, or None if still running after `seconds`."""
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.alive():
            self.process.kill()
            self.process.wait()

    def log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        self.kill()
        if getattr(self, "log", None):
            self.log.close()
        self.dir.cleanup()


def readyz_reasons(body):
    try:
        return json.loads(body).get("reasons", [])
    except ValueError:
        return None
