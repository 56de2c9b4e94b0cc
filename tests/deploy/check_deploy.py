#!/usr/bin/env python3
"""Checks deploy/ and docs/ against what vcproxy really does.

  check_deploy.py --binary build/dev/proxy/vcproxy --repo .

Every manifest and example is parsed; ports, paths, probes and signals in them are compared with
the config they carry and with the sources (admin routes, auth-exempt paths, signals, metric
names, config keys); every config is run through `vcproxy check-config`; a real vcproxy is started
to check /healthz, /readyz, SIGHUP, SIGTERM (its stop time bounds the grace periods) and the
container HEALTHCHECK command. Prints `N passed, M failed` and exits 1 on any failure.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import live  # noqa: E402
import manifests  # noqa: E402
from parsers import promql_labels, promql_metrics, promql_rated, template_labels  # noqa: E402
from sources import Sources  # noqa: E402


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def section(self, title):
        print(f"\n== {title}", flush=True)

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def skip(self, name, why):
        self.skipped += 1
        print(f"SKIP {name}: {why}", flush=True)


class Context:
    def __init__(self, repo, binary, yaml_module):
        self.repo = repo
        self.binary = binary
        self.yaml = yaml_module
        self.src = Sources(repo)
        self.report = Report()
        self.shutdown_overshoot = None  # measured: how long past shutdown_grace_ms vcproxy takes to exit
        self.docker = None

    def read(self, relative):
        with open(os.path.join(self.repo, relative), encoding="utf-8") as f:
            return f.read()

    def check_config(self, name, path):
        if not (self.binary and os.path.exists(self.binary)):
            return self.report.check(name, False, f"no vcproxy binary at {self.binary}")
        result = subprocess.run([self.binary, "check-config", path], capture_output=True, text=True, timeout=60)
        return self.report.check(name, result.returncode == 0,
                                 f"exit {result.returncode}: {(result.stdout + result.stderr).strip()}")


# ---- examples ----------------------------------------------------------------------------------

def check_examples(ctx):
    r = ctx.report
    r.section("deploy/examples")
    directory = os.path.join(ctx.repo, "deploy/examples")
    names = sorted(n for n in os.listdir(directory) if n.endswith(".yaml"))
    for wanted in ("quickstart.yaml", "django.yaml", "misago.yaml", "redis-app.yaml"):
        r.check(f"examples: {wanted} exists", wanted in names)
    configs = {}
    for name in names:
        try:
            configs[name] = ctx.yaml.safe_load(ctx.read(f"deploy/examples/{name}"))
            r.check(f"examples: {name} parses as YAML", isinstance(configs[name], dict))
        except ctx.yaml.YAMLError as e:
            r.check(f"examples: {name} parses as YAML", False, str(e))
        ctx.check_config(f"examples: vcproxy check-config {name}", os.path.join(directory, name))
    django = configs.get("django.yaml") or {}
    patterns = [p for c in django.get("caches", []) for p in c.get("patterns", [])]
    bad = [p for p in patterns if not re.match(r"^[^:*?]*:\d+:", p)]
    r.check("examples: django.yaml patterns have Django's KEY_PREFIX:VERSION: form", patterns and not bad, f"{bad}")
    misago = configs.get("misago.yaml") or {}
    wanted = ["bans", "categories", "groups", "moderators", "permissions", "settings"]
    r.check("examples: misago.yaml declares Misago's named caches",
            sorted(c["name"] for c in misago.get("caches", [])) == wanted)
    redis = configs.get("redis-app.yaml") or {}
    r.check("examples: redis-app.yaml has a redis listener",
            any(l.get("protocol") == "redis" for l in redis.get("listeners", [])))


# ---- a running vcproxy -------------------------------------------------------------------------

def run_healthcheck(ctx, port):
    command = (ctx.docker or {}).get("healthcheck")
    if not command:
        return None
    env = dict(os.environ, VCPROXY_ADMIN_PORT=str(port))
    try:
        return subprocess.run(command, env=env, capture_output=True, timeout=10).returncode
    except (OSError, subprocess.TimeoutExpired):
        return None


def check_live(ctx):
    r = ctx.report
    r.section("a running vcproxy (signals, health, shutdown)")
    if not r.check("live: the vcproxy binary exists", ctx.binary and os.path.exists(ctx.binary), ctx.binary):
        return
    proxy = live.Proxy(ctx.binary, shutdown_grace_ms=1000)
    try:
        proxy.start()
        if not r.check("live: /healthz answers 200 after start", proxy.wait_healthy(), proxy.log_text()):
            return
        status, body = live.http_get(proxy.admin_port, "/readyz")
        reasons = live.readyz_reasons(body)
        r.check("live: /readyz is 503 with reasons while the backend is down", status == 503 and reasons, body)
        status, body = live.http_get(proxy.admin_port, "/openapi.json")
        r.check("live: GET /openapi.json serves docs/openapi.json byte for byte",
                status == 200 and body == ctx.read("docs/openapi.json"), f"status {status}, {len(body or '')} bytes")
        admin_url = f"http://127.0.0.1:{proxy.admin_port}"
        versions = subprocess.run([ctx.binary, "versions", "--admin", admin_url], capture_output=True, timeout=15)
        r.check("live: `vcproxy versions --admin` exits 0 while vcproxy runs", versions.returncode == 0)
        r.check("live: the Dockerfile HEALTHCHECK command succeeds", run_healthcheck(ctx, proxy.admin_port) == 0)
        proxy.signal(signal.SIGHUP)
        time.sleep(0.5)
        status, _ = live.http_get(proxy.admin_port, "/healthz")
        r.check("live: SIGHUP reloads and vcproxy keeps running", proxy.alive() and status == 200
                and "reloading" in proxy.log_text(), proxy.log_text()[-500:])
        # SIGTERM with a client connected: drain for shutdown_grace_ms, then exit 0.
        client = proxy.client()
        started = time.monotonic()
        proxy.signal(signal.SIGTERM)
        time.sleep(0.3)
        r.check("live: after SIGTERM vcproxy keeps serving an open connection (draining)", proxy.alive())
        r.check("live: after SIGTERM new connections are refused", not proxy.accepts())
        code = proxy.wait_exit(10)
        seconds = time.monotonic() - started
        client.close()
        grace = proxy.shutdown_grace_ms / 1000
        r.check(f"live: SIGTERM exits 0 once shutdown_grace_ms {grace:.1f}s has passed ({seconds:.2f}s)",
                code == 0 and grace - 0.1 <= seconds <= grace + 3, f"exit {code} after {seconds:.2f}s")
        if code == 0:
            ctx.shutdown_overshoot = max(0.0, seconds - grace)
        r.check("live: the Dockerfile HEALTHCHECK command fails once vcproxy is gone",
                run_healthcheck(ctx, proxy.admin_port) not in (0, None))
        versions = subprocess.run([ctx.binary, "versions", "--admin", admin_url], capture_output=True, timeout=15)
        r.check("live: `vcproxy versions --admin` exits 3 when unreachable", versions.returncode == 3,
                f"exit {versions.returncode}")
    finally:
        proxy.close()
    check_drain_ends(ctx)
    check_pid1(ctx)


def check_pid1(ctx):
    """In a container vcproxy is PID 1, which the kernel shields from signals it does not handle:
    SIGHUP and SIGTERM must still work (docker stop, kubelet, kill -HUP 1)."""
    r = ctx.report
    name = "live: as PID 1 (pid namespace) vcproxy reloads on SIGHUP and exits 0 on SIGTERM"
    unshare = ["unshare", "--pid", "--fork", "--kill-child"]
    try:
        usable = subprocess.run(unshare + ["true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        usable = False
    if not usable:
        r.skip(name, "cannot create a pid namespace here (unshare)")
        return
    proxy = live.Proxy(ctx.binary, shutdown_grace_ms=1000, wrapper=unshare)
    try:
        proxy.start()
        if not r.check("live: vcproxy starts as PID 1", proxy.wait_healthy(), proxy.log_text()):
            return
        proxy.signal(signal.SIGHUP)
        time.sleep(0.5)
        reloaded = proxy.alive() and "reloading" in proxy.log_text()
        proxy.signal(signal.SIGTERM)
        code = proxy.wait_exit(5)
        r.check(name, reloaded and code == 0, f"reloaded {reloaded}, exit {code}: {proxy.log_text()[-300:]}")
    finally:
        proxy.close()


def check_drain_ends(ctx):
    """The drain ends when the last client closes (a native sidecar's case), and at once on a second
    SIGTERM."""
    r = ctx.report
    for second_signal in (False, True):
        proxy = live.Proxy(ctx.binary, shutdown_grace_ms=20000)
        try:
            proxy.start()
            if not r.check("live: vcproxy starts (drain check)", proxy.wait_healthy(), proxy.log_text()):
                return
            client = proxy.client()
            proxy.signal(signal.SIGTERM)
            time.sleep(0.3)
            if second_signal:
                proxy.signal(signal.SIGTERM)
                what = "a second SIGTERM stops vcproxy at once"
            else:
                client.close()
                what = "the drain ends as soon as the last client closes"
            code = proxy.wait_exit(3)
            r.check(f"live: {what} (exit 0)", code == 0, f"exit {code}")
            client.close()
        finally:
            proxy.close()


# ---- monitoring --------------------------------------------------------------------------------

def check_exprs(ctx, where, exprs, texts):
    r = ctx.report
    metrics = ctx.src.metrics()
    allowed_labels = ctx.src.metric_labels() | {"instance", "job"}
    unknown = sorted({m for e in exprs for m in promql_metrics(e)} - set(metrics))
    r.check(f"{where}: every metric name exists in proxy/app/metrics_text.cc", not unknown, f"unknown {unknown}")
    not_counters = sorted({m for e in exprs for m in promql_rated(e)
                           if not (metrics.get(m) == "counter" or str(metrics.get(m)).startswith("histogram-"))})
    r.check(f"{where}: rate()/increase() only on counters and histogram series", not not_counters, f"{not_counters}")
    labels = set()
    for e in exprs:
        labels |= promql_labels(e)
    for t in texts:
        labels |= template_labels(t)
    r.check(f"{where}: every label used is one vcproxy exports (or instance/job)",
            labels <= allowed_labels, f"unknown {sorted(labels - allowed_labels)}")


def check_monitoring(ctx):
    r = ctx.report
    r.section("deploy/prometheus/alerts.yaml, deploy/grafana/vcproxy-dashboard.json")
    alerts = ctx.yaml.safe_load(ctx.read("deploy/prometheus/alerts.yaml"))
    rules = [rule for group in alerts.get("groups", []) for rule in group.get("rules", [])]
    r.check("alerts: has rules", bool(rules))
    names = [rule.get("alert") for rule in rules]
    r.check("alerts: every rule has a unique alert name", all(names) and len(set(names)) == len(names))
    r.check("alerts: every rule has expr, labels.severity and annotations.summary",
            all(rule.get("expr") and (rule.get("labels") or {}).get("severity")
                and (rule.get("annotations") or {}).get("summary") for rule in rules))
    texts = [json.dumps(rule.get("annotations", {})) for rule in rules]
    check_exprs(ctx, "alerts", [str(rule.get("expr", "")) for rule in rules], texts)
    try:
        dashboard = json.loads(ctx.read("deploy/grafana/vcproxy-dashboard.json"))
    except ValueError as e:
        r.check("grafana: the dashboard is valid JSON", False, str(e))
        return
    r.check("grafana: the dashboard is valid JSON", True)
    panels = dashboard.get("panels", [])
    ids = [p.get("id") for p in panels]
    r.check("grafana: panels have unique ids", bool(panels) and len(set(ids)) == len(ids))
    targets = [t for p in panels for t in p.get("targets", [])]
    r.check("grafana: every panel has a query", all(p.get("targets") for p in panels)
            and all(t.get("expr") for t in targets))
    variables = [v.get("definition", "") for v in dashboard.get("templating", {}).get("list", [])]
    check_exprs(ctx, "grafana", [t["expr"] for t in targets] + variables,
                [t.get("legendFormat", "") for t in targets])


# ---- OpenAPI and docs --------------------------------------------------------------------------

def check_openapi(ctx):
    r = ctx.report
    r.section("docs/openapi.json")
    try:
        doc = json.loads(ctx.read("docs/openapi.json"))
    except ValueError as e:
        r.check("openapi: valid JSON", False, str(e))
        return
    r.check("openapi: valid JSON", True)
    r.check("openapi: OpenAPI 3 document", str(doc.get("openapi", "")).startswith("3."), doc.get("openapi"))
    paths = doc.get("paths", {})
    routes = ctx.src.routes()
    missing = [f"{m} {p}" for m, p in routes if m.lower() not in paths.get(p, {})]
    r.check("openapi: every route of admin/handlers.cc is described", not missing, f"missing {missing}")
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops if m in ("get", "put", "post", "delete", "patch")}
    extra = sorted(f"{m} {p}" for m, p in documented - set(routes))
    r.check("openapi: every described operation exists in the router", not extra, f"not in the router: {extra}")
    exempt = ctx.src.auth_exempt_paths()
    open_ops = {p for p, ops in paths.items() for op in ops.values() if isinstance(op, dict) and op.get("security") == []}
    r.check("openapi: exactly the auth-exempt paths need no token", open_ops == exempt, f"{sorted(open_ops)} vs {sorted(exempt)}")
    bad_params = []
    for p, ops in paths.items():
        for method, op in ops.items():
            declared = {q["name"] for q in op.get("parameters", []) if q.get("in") == "path"}
            wanted = set(re.findall(r"\{(\w+)\}", p))
            if declared != wanted:
                bad_params.append(f"{method.upper()} {p}")
    r.check("openapi: path parameters declared", not bad_params, f"{bad_params}")
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(doc)))
    dangling = [f"{kind}/{name}" for kind, name in refs if name not in doc.get("components", {}).get(kind, {})]
    r.check("openapi: every $ref resolves", not dangling, f"{dangling}")
    try:
        from openapi_spec_validator import validate  # optional: not a Debian package in bookworm
    except ImportError:
        r.skip("openapi: openapi-spec-validator", "module not installed")
        return
    try:
        validate(doc)
        r.check("openapi: openapi-spec-validator accepts it", True)
    except Exception as e:  # noqa: BLE001 - any validation error is a failure to report
        r.check("openapi: openapi-spec-validator accepts it", False, str(e)[:300])


def check_docs(ctx):
    r = ctx.report
    r.section("docs/")
    configuration = ctx.read("docs/configuration.md")
    keys = {k for group in ctx.src.config_keys().values() for k in group}
    missing = sorted(k for k in keys if f"`{k}`" not in configuration)
    r.check("docs: configuration.md documents every key of config/validate.cc", not missing, f"missing {missing}")
    limits = ctx.src.config_limits()
    missing = sorted(f"{n}={v}" for n, v in limits.items() if str(v) not in configuration)
    r.check("docs: configuration.md gives every limit of config/validate.cc", not missing, f"missing {missing}")
    rows = {}
    for line in configuration.splitlines():  # the first table row of a key is its reference row
        if line.startswith("| `"):
            rows.setdefault(line.split("|")[1].strip().strip("`"), line)
    wrong = sorted(f"{k}={v}" for k, v in ctx.src.config_defaults().items()
                   if k in rows and f"`{v}`" not in rows[k])
    r.check("docs: configuration.md gives the defaults of config/config.h", not wrong, f"wrong {wrong}")
    wrong = sorted(f"{k}={low}..{high}" for k, (low, high) in ctx.src.config_ranges().items()
                   if k not in rows or f"{low}..{high}" not in rows[k])
    r.check("docs: configuration.md gives each integer key's range", not wrong, f"wrong {wrong}")
    api = ctx.read("docs/admin-api.md")
    missing = [f"{m} {p}" for m, p in ctx.src.routes() if f"{m} {p}" not in api]
    r.check("docs: admin-api.md documents every route", not missing, f"missing {missing}")
    operations = ctx.read("docs/operations.md")
    base = [m for m, kind in ctx.src.metrics().items() if not kind.startswith("histogram-")]
    missing = [m for m in base if f"`{m}`" not in operations]
    r.check("docs: operations.md lists every metric", not missing, f"missing {missing}")
    for topic in ("flush_all", "refresh_interval_ms", "max_staleness_ms", "pub/sub"):
        r.check(f"docs: operations.md covers {topic}", topic in operations)
    migrating = ctx.read("docs/migrating-django-misago.md")
    for phrase in ('invalidate_cache("bans")', "POST /caches/bans/invalidate", "vcproxy invalidate bans"):
        r.check(f"docs: migrating-django-misago.md maps {phrase}", phrase in migrating)


# ---- main --------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the vcproxy binary")
    parser.add_argument("--repo", required=True, help="the repository root")
    args = parser.parse_args()
    try:
        import yaml
    except ImportError:
        print(f"FAIL python3-yaml is not installed for {sys.executable} (Debian package python3-yaml)")
        print("0 passed, 1 failed")
        return 1
    ctx = Context(os.path.abspath(args.repo), args.binary, yaml)
    ctx.docker = manifests.parse_dockerfile(ctx)
    check_live(ctx)  # first: the measured stop time is part of the grace periods checked below
    check_examples(ctx)
    manifests.check_dockerfile(ctx, ctx.docker)
    configmap = manifests.load_configmap(ctx)
    config = manifests.check_configmap(ctx, configmap)
    manifests.check_deployment(ctx, "deployment.yaml", False, configmap, config)
    manifests.check_deployment(ctx, "deployment-native-sidecar.yaml", True, configmap, config)
    manifests.check_systemd(ctx)
    check_monitoring(ctx)
    check_openapi(ctx)
    check_docs(ctx)
    r = ctx.report
    skipped = f", {r.skipped} skipped" if r.skipped else ""
    print(f"\n{r.passed} passed, {r.failed} failed{skipped}")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
