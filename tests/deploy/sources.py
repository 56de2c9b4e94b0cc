"""Facts about vcproxy read from its own sources, so that the deploy checks compare the manifests
with what the code does rather than with a copy of it that could drift."""

import os
import re


class Sources:
    def __init__(self, repo):
        self.repo = repo

    def read(self, relative):
        with open(os.path.join(self.repo, relative), encoding="utf-8") as f:
            return f.read()

    # ---- admin API ------------------------------------------------------------------------

    def routes(self):
        """[(method, path)] registered in admin/handlers.cc's addAdminRoutes, in order."""
        text = self.read("admin/handlers.cc")
        return re.findall(r'router\.add\(\s*"([A-Z]+)"\s*,\s*"([^"]+)"', text)

    def auth_exempt_paths(self):
        """Paths admin/auth.cc's isAuthExempt lets through without a token."""
        text = self.read("admin/auth.cc")
        match = re.search(r"bool isAuthExempt\([^)]*\)\s*\{(.*?)\}", text, re.S)
        return set(re.findall(r'path == "([^"]+)"', match.group(1))) if match else set()

    def default_admin_port(self):
        """The default admin port of config/config.h's struct Admin."""
        text = self.read("config/config.h")
        match = re.search(r"struct Admin\s*\{.*?\.port\s*=\s*(\d+)", text, re.S)
        return int(match.group(1)) if match else None

    # ---- signals --------------------------------------------------------------------------

    def handled_signals(self):
        """Signals proxy/main.cc waits for: {"SIGTERM": "stop", "SIGHUP": "reload", ...}."""
        text = self.read("proxy/main.cc")
        blocked = re.search(r"for \(int sig : \{([^}]*)\}\)", text)
        names = re.findall(r"SIG[A-Z]+", blocked.group(1)) if blocked else []
        reload = set(re.findall(r"sig == (SIG[A-Z]+)\)\s*\{[^}]*requestReload", text, re.S))
        return {name: ("reload" if name in reload else "stop") for name in names}

    # ---- metrics --------------------------------------------------------------------------

    def metrics(self):
        """{series name: type} rendered by proxy/app/metrics_text.cc (histogram series too)."""
        text = self.read("proxy/app/metrics_text.cc")
        found = {}
        for name, kind in re.findall(r'header\(out,\s*"(vcproxy_[a-z0-9_]+)",\s*"(\w+)"', text):
            found[name] = kind
            if kind == "histogram":
                for suffix in ("_bucket", "_sum", "_count"):
                    found[name + suffix] = "histogram-" + suffix[1:]
        return found

    def metric_labels(self):
        """Label names metrics_text.cc writes (cache, listener, backend, store, le)."""
        text = self.read("proxy/app/metrics_text.cc")
        return set(re.findall(r'([a-z_]+)=\\"', text))

    # ---- config ---------------------------------------------------------------------------

    def config_keys(self):
        """{"top": [...], "listener": [...], ...} from config/validate.cc's key arrays."""
        text = self.read("config/validate.cc")
        keys = {}
        for name, body in re.findall(r"k(\w+)Keys\s*=\s*\{(.*?)\};", text, re.S):
            keys[name.lower()] = re.findall(r'"([a-z_]+)"', body)
        return keys

    def config_limits(self):
        """{constant: value} of config/validate.cc's numeric kMin*/kMax* limits."""
        text = self.read("config/validate.cc")
        limits = {}
        for name, value in re.findall(r"constexpr \w+ (kM(?:in|ax)\w+) = ([^;]+);", text):
            value = value.strip()
            shift = re.fullmatch(r"uint64_t\{1\} << (\d+)", value)
            if shift:
                limits[name] = 1 << int(shift.group(1))
            elif value.isdigit():
                limits[name] = int(value)
        return limits

    def config_ranges(self):
        """{key: (min, max)} of the integer keys config/validate.cc reads with readUint32."""
        text = self.read("config/validate.cc")
        limits = self.config_limits()

        def value(token):
            return int(token) if token.isdigit() else limits.get(token)
        return {key: (value(low), value(high)) for key, low, high in
                re.findall(r'readUint32\(map,\s*"(\w+)",\s*(\w+),\s*(\w+),', text)}

    def config_defaults(self):
        """{field: default} of the numeric fields of config/config.h's structs."""
        text = self.read("config/config.h")
        return {name: int(value) for name, value in re.findall(r"uint32_t (\w+?)_? = (\d+);", text)}
