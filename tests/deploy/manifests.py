"""Checks of deploy/docker, deploy/kubernetes and deploy/systemd against vcproxy's behaviour."""

import os
import re
import shutil
import subprocess
import tempfile

from parsers import (apt_installed, dockerfile_instructions, dockerfile_stages, exec_form,
                     is_loopback, parse_endpoint, parse_unit, unit_command)

DEFAULT_CONFIG_PATH = "/etc/vcproxy/vcproxy.yaml"
SHUTDOWN_MARGIN_SECONDS = 3  # on top of shutdown_grace_ms and the measured time to exit after it
SLIM_BASE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1"}  # always in debian:bookworm-slim
SANITIZER_LIBS = ("libasan", "libubsan", "liblsan", "libtsan")


def shutdown_seconds(ctx, config):
    """How long vcproxy may take to exit after SIGTERM with `config`: its shutdown_grace_ms (or
    the default of config/config.h) plus the overshoot measured on a real process."""
    grace_ms = (config or {}).get("shutdown_grace_ms", ctx.src.config_defaults()["shutdown_grace_ms"])
    overshoot = ctx.shutdown_overshoot if ctx.shutdown_overshoot is not None else 1.0
    return grace_ms / 1000 + overshoot


# ---- Dockerfile --------------------------------------------------------------------------------

def parse_dockerfile(ctx):
    text = ctx.read("deploy/docker/Dockerfile")
    instructions = dockerfile_instructions(text)
    stages = dockerfile_stages(instructions)
    final = stages[-1] if stages else {"instructions": []}
    found = {"stages": stages, "final": final, "env": {}, "healthcheck": None, "user": None,
             "entrypoint": None, "cmd": None, "expose": [], "stopsignal": None}
    for word, rest in final["instructions"]:
        if word == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", rest):
                found["env"][key] = value
        elif word == "HEALTHCHECK":
            found["healthcheck"] = exec_form(rest.split("CMD", 1)[1].strip()) if "CMD" in rest else None
        elif word == "USER":
            found["user"] = rest.split(":")[0]
        elif word == "ENTRYPOINT":
            found["entrypoint"] = exec_form(rest)
        elif word == "CMD":
            found["cmd"] = exec_form(rest)
        elif word == "EXPOSE":
            found["expose"] += [int(p.split("/")[0]) for p in rest.split()]
        elif word == "STOPSIGNAL":
            found["stopsignal"] = rest.strip()
    found["text"] = text
    return found


def config_argument(argv):
    for i, arg in enumerate(argv or []):
        if arg in ("--config", "-c") and i + 1 < len(argv):
            return argv[i + 1]
    return None


def healthcheck_port(docker):
    command = " ".join(docker["healthcheck"] or [])
    if "${VCPROXY_ADMIN_PORT}" in command or "$VCPROXY_ADMIN_PORT" in command:
        value = docker["env"].get("VCPROXY_ADMIN_PORT")
        return int(value) if value and value.isdigit() else None
    match = re.search(r"/dev/tcp/[^/]+/(\d+)|:(\d+)/healthz", command)
    return int(match.group(1) or match.group(2)) if match else None


def setup_build_packages(ctx):
    """The packages of scripts/setup.sh's `# build` group."""
    text = ctx.read("scripts/setup.sh")
    match = re.search(r"# build\n(.*?)\n\s*#", text, re.S)
    return [p for p in match.group(1).split() if p != "git"] if match else []


def check_dockerfile(ctx, docker):
    r = ctx.report
    r.section("deploy/docker/Dockerfile")
    stages = docker["stages"]
    r.check("docker: two stages or more", len(stages) >= 2, f"{len(stages)} stage(s)")
    if len(stages) < 2:
        return
    build, final = stages[0], docker["final"]
    r.check("docker: build stage FROM debian:bookworm", build["from"] == "debian:bookworm", build["from"])
    r.check("docker: runtime stage FROM debian:bookworm-slim", final["from"] == "debian:bookworm-slim", final["from"])
    build_packages = set(apt_installed(build))
    missing = [p for p in setup_build_packages(ctx) if p not in build_packages]
    r.check("docker: build stage installs scripts/setup.sh's build packages", not missing, f"missing {missing}")
    build_runs = " ".join(rest for word, rest in build["instructions"] if word == "RUN")
    r.check("docker: build stage builds with `cmake --preset release`", "cmake --preset release" in build_runs)
    runtime_packages = set(apt_installed(final))
    wanted = {"libuv1", "libyaml-cpp0.7", "libmemcached11", "libhiredis0.14"}
    r.check("docker: runtime installs libuv1 libyaml-cpp0.7 libmemcached11 libhiredis0.14",
            wanted <= runtime_packages, f"has {sorted(runtime_packages)}")
    dev = [p for p in runtime_packages if p.endswith("-dev") or p in ("build-essential", "cmake")]
    r.check("docker: runtime stage has no build packages", not dev, f"{dev}")
    check_apt_names(ctx, sorted(runtime_packages))
    check_linked_libraries(ctx, runtime_packages)
    user = docker["user"]
    r.check("docker: runs as a numeric non-root USER", bool(user) and user.isdigit() and user != "0", f"USER {user}")
    entry = docker["entrypoint"] or []
    r.check("docker: ENTRYPOINT is the vcproxy binary (exec form)",
            bool(entry) and os.path.basename(entry[0]) == "vcproxy", f"{entry}")
    path = config_argument((entry or [])[1:] + (docker["cmd"] or []))
    r.check("docker: CMD runs --config " + DEFAULT_CONFIG_PATH, path == DEFAULT_CONFIG_PATH, f"{path}")
    source = re.search(r"(\S+\.yaml)\s+/out" + re.escape(str(path)), build_runs)
    r.check("docker: the image installs a config at the --config path", bool(source))
    image_admin_port = None
    image_config = None
    if source and os.path.exists(os.path.join(ctx.repo, source.group(1))):
        config = image_config = ctx.yaml.safe_load(ctx.read(source.group(1)))
        listen = parse_endpoint((config.get("admin") or {}).get("listen", "127.0.0.1:%d" % ctx.src.default_admin_port()))
        image_admin_port = listen[2] if listen else None
        listener_ports = [parse_endpoint(l["listen"])[2] for l in config["listeners"]]
        r.check("docker: EXPOSE lists the admin port and the listener ports",
                {image_admin_port, *listener_ports} <= set(docker["expose"]), f"EXPOSE {docker['expose']}")
    command = " ".join(docker["healthcheck"] or [])
    r.check("docker: HEALTHCHECK (exec form) probes /healthz", "/healthz" in command, command)
    r.check("docker: HEALTHCHECK needs no curl (absent from slim)", "curl" not in command and "wget" not in command)
    r.check("docker: HEALTHCHECK port is the image config's admin port",
            healthcheck_port(docker) == image_admin_port, f"{healthcheck_port(docker)} vs {image_admin_port}")
    r.check("docker: /healthz needs no token", "/healthz" in ctx.src.auth_exempt_paths())
    if image_config is not None:
        timeout = re.search(r"--stop-timeout (\d+)", docker["text"])
        need = shutdown_seconds(ctx, image_config) + SHUTDOWN_MARGIN_SECONDS
        r.check(f"docker: the suggested --stop-timeout covers the image config's drain ({need:.1f}s)",
                timeout and int(timeout.group(1)) >= need, timeout.group(0) if timeout else "no --stop-timeout")
    stop = docker["stopsignal"] or "SIGTERM"
    r.check("docker: STOPSIGNAL is one vcproxy stops on", ctx.src.handled_signals().get(stop) == "stop", stop)


def check_apt_names(ctx, packages):
    if not shutil.which("apt-cache"):
        ctx.report.skip("docker: runtime package names exist in Debian", "no apt-cache here")
        return
    unknown = [p for p in packages
               if subprocess.run(["apt-cache", "show", p], capture_output=True).returncode != 0]
    ctx.report.check("docker: runtime package names exist (apt-cache show)", not unknown, f"unknown {unknown}")


def check_linked_libraries(ctx, runtime_packages):
    """Every library the binary links directly comes from a runtime package or the slim base."""
    name = "docker: every shared library vcproxy links is installed in the runtime stage"
    if not (ctx.binary and os.path.exists(ctx.binary) and shutil.which("objdump") and shutil.which("dpkg")):
        ctx.report.skip(name, "needs the binary, objdump and dpkg")
        return
    dump = subprocess.run(["objdump", "-p", ctx.binary], capture_output=True, text=True).stdout
    needed = re.findall(r"NEEDED\s+(\S+)", dump)
    if any(lib.startswith(SANITIZER_LIBS) for lib in needed):
        # Sanitizer builds list libraries (libmemcachedutil, libsasl2: pkg-config's extras) that
        # the image's release build, linked --as-needed, does not.
        ctx.report.skip(name, "sanitizer build: checked with dev or release builds only")
        return
    ldd = subprocess.run(["ldd", ctx.binary], capture_output=True, text=True).stdout
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    problems = []
    for lib in needed:
        owner = dpkg_owner(paths.get(lib, ""))
        if owner not in runtime_packages and owner not in SLIM_BASE_PACKAGES:
            problems.append(f"{lib} from {owner or 'unknown'}")
    ctx.report.check(name, not problems, "; ".join(problems))


def dpkg_owner(path):
    candidates = [path, os.path.realpath(path)]
    candidates += ["/usr" + c for c in candidates if c.startswith("/lib")]
    for candidate in candidates:
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    return None


# ---- Kubernetes --------------------------------------------------------------------------------

def load_configmap(ctx):
    docs = [d for d in ctx.yaml.safe_load_all(ctx.read("deploy/kubernetes/configmap.yaml")) if d]
    maps = [d for d in docs if d.get("kind") == "ConfigMap"]
    return maps[0] if maps else None


def check_configmap(ctx, configmap):
    r = ctx.report
    r.section("deploy/kubernetes/configmap.yaml")
    if not r.check("k8s: configmap.yaml holds a ConfigMap", configmap is not None):
        return None
    data = configmap.get("data") or {}
    if not r.check("k8s: the ConfigMap has a vcproxy.yaml key", "vcproxy.yaml" in data, f"keys {list(data)}"):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(data["vcproxy.yaml"])
    try:
        ctx.check_config("k8s: the ConfigMap's vcproxy.yaml passes check-config", f.name)
    finally:
        os.unlink(f.name)
    config = ctx.yaml.safe_load(data["vcproxy.yaml"])
    admin = config.get("admin") or {}
    listen = parse_endpoint(admin.get("listen", "127.0.0.1:%d" % ctx.src.default_admin_port()))
    r.check("k8s: admin listens on TCP off loopback (the kubelet probes the pod IP)",
            listen and listen[0] == "tcp" and not is_loopback(listen[1]), f"{admin.get('listen')}")
    r.check("k8s: admin off loopback has a token_file (vcproxy refuses to start without one)",
            bool(admin.get("token_file")))
    return config


def containers_of(spec):
    return [(c, False) for c in spec.get("containers", [])] + [(c, True) for c in spec.get("initContainers", [])]


def resolve_port(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def prestop_seconds(container):
    pre = ((container.get("lifecycle") or {}).get("preStop")) or {}
    if "sleep" in pre:
        return int(pre["sleep"].get("seconds", 0))
    command = (pre.get("exec") or {}).get("command") or []
    if command and os.path.basename(command[0]) == "sleep" and len(command) == 2 and str(command[1]).isdigit():
        return int(command[1])
    if command[:2] in (["/bin/sh", "-c"], ["sh", "-c"]):
        match = re.fullmatch(r"sleep (\d+)", command[2].strip()) if len(command) > 2 else None
        return int(match.group(1)) if match else None
    return 0 if not pre else None


def mounted_volume(container, volumes, directory):
    for mount in container.get("volumeMounts", []):
        if mount.get("mountPath", "").rstrip("/") == directory and not mount.get("subPath"):
            return volumes.get(mount["name"])
    return None


def volume_file_names(source):
    items = source.get("items")
    return {i["path"]: i["key"] for i in items} if items else None


def check_deployment(ctx, filename, native, configmap, config):
    r = ctx.report
    r.section(f"deploy/kubernetes/{filename}")
    docs = [d for d in ctx.yaml.safe_load_all(ctx.read(f"deploy/kubernetes/{filename}")) if d]
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    if not r.check(f"{filename}: holds a Deployment", bool(deployments)) or config is None:
        return
    deployment = deployments[0]
    spec = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    r.check(f"{filename}: the selector matches the pod labels",
            all(labels.get(k) == v for k, v in deployment["spec"]["selector"]["matchLabels"].items()))
    found = [(c, init) for c, init in containers_of(spec) if c["name"] == "vcproxy"]
    if not r.check(f"{filename}: has a container named vcproxy", len(found) == 1):
        return
    vc, is_init = found[0]
    if native:
        r.check(f"{filename}: vcproxy is an init container with restartPolicy: Always",
                is_init and vc.get("restartPolicy") == "Always")
    else:
        r.check(f"{filename}: vcproxy is a regular container", not is_init)
    apps = [c for c in spec.get("containers", []) if c["name"] != "vcproxy"]
    r.check(f"{filename}: has an app container", bool(apps))
    check_pod_config_files(ctx, filename, vc, spec, configmap, config, apps)
    check_probes(ctx, filename, vc, config, native)
    check_security(ctx, filename, vc, spec)
    check_shutdown(ctx, filename, vc, apps, spec, native, config)
    resources = vc.get("resources") or {}
    r.check(f"{filename}: vcproxy has cpu and memory requests and limits",
            all(k in (resources.get(s) or {}) for s in ("requests", "limits") for k in ("cpu", "memory")))


def check_flags(ctx, where, argv):
    """Every --flag of a manifest is one `vcproxy --help` lists, and values of flags listed with
    alternatives (--log-format text|json) are among them."""
    r = ctx.report
    if not (ctx.binary and os.path.exists(ctx.binary)):
        return r.check(f"{where}: flags known to vcproxy --help", False, f"no vcproxy binary at {ctx.binary}")
    usage = subprocess.run([ctx.binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    known = dict(re.findall(r"(--[a-z-]+)(?: ([a-z|]+))?", usage))
    bad = []
    for i, arg in enumerate(argv):
        if not arg.startswith("--"):
            continue
        if arg not in known:
            bad.append(arg)
        elif "|" in known[arg] and (i + 1 >= len(argv) or argv[i + 1] not in known[arg].split("|")):
            bad.append(f"{arg} {argv[i + 1] if i + 1 < len(argv) else ''}".strip())
    return r.check(f"{where}: every flag and value is one vcproxy --help lists", not bad, f"unknown {bad}")


def check_pod_config_files(ctx, filename, vc, spec, configmap, config, apps):
    r = ctx.report
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    check_flags(ctx, filename, (vc.get("command") or [])[1:] + (vc.get("args") or []))
    path = config_argument((vc.get("command") or [])[1:] + (vc.get("args") or []))
    r.check(f"{filename}: vcproxy runs --config {DEFAULT_CONFIG_PATH}", path == DEFAULT_CONFIG_PATH, f"{path}")
    if path:
        volume = mounted_volume(vc, volumes, os.path.dirname(path)) or {}
        source = volume.get("configMap") or {}
        names = volume_file_names(source)
        key = names.get(os.path.basename(path)) if names is not None else os.path.basename(path)
        r.check(f"{filename}: the --config file is the ConfigMap's key, mounted as a directory",
                source.get("name") == configmap["metadata"]["name"] and key in configmap.get("data", {}),
                f"volume {volume.get('name')} -> {source.get('name')}:{key}")
    token = (config.get("admin") or {}).get("token_file")
    volume = mounted_volume(vc, volumes, os.path.dirname(token)) if token else None
    secret = (volume or {}).get("secret") or {}
    names = volume_file_names(secret)
    key = names.get(os.path.basename(token)) if (names is not None and token) else (
        os.path.basename(token) if token else None)
    r.check(f"{filename}: admin.token_file is a file of a mounted Secret",
            bool(secret.get("secretName")) and key is not None, f"{token}")
    for app in apps:
        for env in app.get("env", []):
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if env["name"] == "VCPROXY_TOKEN" and ref:
                r.check(f"{filename}: the app's VCPROXY_TOKEN is the same Secret key",
                        ref.get("name") == secret.get("secretName") and ref.get("key") == key)
            if env["name"] == "VCPROXY_ADMIN":
                admin = parse_endpoint((config.get("admin") or {}).get("listen", ""))
                r.check(f"{filename}: the app's VCPROXY_ADMIN port is the admin port",
                        admin is not None and env.get("value", "").endswith(f":{admin[2]}"), env.get("value"))
            if env["name"] == "MEMCACHED_LOCATION":
                listens = [parse_endpoint(l["listen"]) for l in config["listeners"]]
                target = parse_endpoint(env.get("value", ""))
                r.check(f"{filename}: the app's MEMCACHED_LOCATION is a vcproxy listener",
                        target in listens, env.get("value"))


def check_probes(ctx, filename, vc, config, native):
    r = ctx.report
    admin = parse_endpoint((config.get("admin") or {}).get("listen", "127.0.0.1:%d" % ctx.src.default_admin_port()))
    routes = {path for method, path in ctx.src.routes() if method == "GET"}
    exempt = ctx.src.auth_exempt_paths()
    wanted = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
    for probe_name, path in wanted.items():
        probe = (vc.get(probe_name) or {}).get("httpGet") or {}
        r.check(f"{filename}: {probe_name} is GET {path}", probe.get("path") == path, f"{probe.get('path')}")
        r.check(f"{filename}: {probe_name} port is the ConfigMap's admin port {admin[2] if admin else '?'}",
                admin is not None and resolve_port(vc, probe.get("port")) == admin[2], f"{probe.get('port')}")
    startup = (vc.get("startupProbe") or {}).get("httpGet")
    if startup is not None:
        r.check(f"{filename}: startupProbe is /healthz or /readyz on the admin port",
                startup.get("path") in ("/healthz", "/readyz") and admin is not None
                and resolve_port(vc, startup.get("port")) == admin[2])
    used = {(vc.get(p) or {}).get("httpGet", {}).get("path") for p in ("readinessProbe", "livenessProbe", "startupProbe")}
    used.discard(None)
    r.check(f"{filename}: probe paths are admin routes that need no token",
            used <= routes and used <= exempt, f"{sorted(used)} vs routes/exempt {sorted(exempt)}")
    ports = {p.get("name"): p.get("containerPort") for p in vc.get("ports", [])}
    r.check(f"{filename}: containerPort admin is the admin port", admin is not None and ports.get("admin") == admin[2])


def check_security(ctx, filename, vc, spec):
    r = ctx.report
    pod = spec.get("securityContext") or {}
    sc = vc.get("securityContext") or {}
    r.check(f"{filename}: vcproxy readOnlyRootFilesystem: true", sc.get("readOnlyRootFilesystem") is True)
    r.check(f"{filename}: vcproxy capabilities drop ALL", "ALL" in ((sc.get("capabilities") or {}).get("drop") or []))
    r.check(f"{filename}: vcproxy runAsNonRoot", sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True)
    r.check(f"{filename}: vcproxy allowPrivilegeEscalation: false", sc.get("allowPrivilegeEscalation") is False)
    uid = sc.get("runAsUser", pod.get("runAsUser"))
    image_uid = ctx.docker["user"]
    r.check(f"{filename}: runAsUser is the image's USER", uid is not None and str(uid) == str(image_uid),
            f"{uid} vs {image_uid}")


def check_shutdown(ctx, filename, vc, apps, spec, native, config):
    r = ctx.report
    grace = spec.get("terminationGracePeriodSeconds", 30)
    vc_sleep = prestop_seconds(vc)
    app_sleeps = [prestop_seconds(a) for a in apps]
    if not r.check(f"{filename}: preStop hooks are sleeps of known length",
                   vc_sleep is not None and None not in app_sleeps):
        return
    app_sleep = max(app_sleeps, default=0)
    drain = shutdown_seconds(ctx, config)
    if native:
        # The kubelet stops the app (preStop, then SIGTERM) before vcproxy (preStop, then drain).
        need = app_sleep + vc_sleep + drain + SHUTDOWN_MARGIN_SECONDS
        r.check(f"{filename}: grace {grace}s >= app preStop {app_sleep}s + vcproxy preStop {vc_sleep}s "
                f"+ vcproxy drain {drain:.2f}s + {SHUTDOWN_MARGIN_SECONDS}s", grace >= need)
    else:
        r.check(f"{filename}: vcproxy preStop ({vc_sleep}s) lasts as long as the app's ({app_sleep}s): it "
                "accepts connections while the app still gets traffic", vc_sleep >= app_sleep)
        need = vc_sleep + drain + SHUTDOWN_MARGIN_SECONDS
        r.check(f"{filename}: grace {grace}s >= vcproxy preStop {vc_sleep}s + vcproxy drain {drain:.2f}s "
                f"+ {SHUTDOWN_MARGIN_SECONDS}s", grace >= need)
    if vc_sleep and (vc.get("lifecycle") or {}).get("preStop", {}).get("exec"):
        command = vc["lifecycle"]["preStop"]["exec"]["command"]
        r.check(f"{filename}: the preStop sleep binary exists in the image (bookworm-slim coreutils)",
                command[0] in ("/bin/sleep", "/usr/bin/sleep", "sleep"), command[0])


# ---- systemd -----------------------------------------------------------------------------------

def check_systemd(ctx):
    r = ctx.report
    r.section("deploy/systemd/vcproxy.service")
    text = ctx.read("deploy/systemd/vcproxy.service")
    unit = parse_unit(text)
    service = unit.get("Service", {})
    start = [unit_command(v) for v in service.get("ExecStart", [])]
    r.check("systemd: ExecStart=/usr/bin/vcproxy --config " + DEFAULT_CONFIG_PATH,
            start == [["/usr/bin/vcproxy", "--config", DEFAULT_CONFIG_PATH]], f"{start}")
    reload = [unit_command(v) for v in service.get("ExecReload", [])]
    r.check("systemd: ExecReload sends HUP to $MAINPID", ["/bin/kill", "-HUP", "$MAINPID"] in reload, f"{reload}")
    r.check("systemd: vcproxy reloads on SIGHUP", ctx.src.handled_signals().get("SIGHUP") == "reload")
    checks = [c for c in reload + [unit_command(v) for v in service.get("ExecStartPre", [])] if "check-config" in c]
    r.check("systemd: check-config runs on the --config file",
            bool(checks) and all(c == ["/usr/bin/vcproxy", "check-config", DEFAULT_CONFIG_PATH] for c in checks), f"{checks}")
    kill = (service.get("KillSignal") or ["SIGTERM"])[-1]
    r.check("systemd: KillSignal is one vcproxy stops on", ctx.src.handled_signals().get(kill) == "stop", kill)
    stop_timeout = (service.get("TimeoutStopSec") or ["90"])[-1].rstrip("s")
    need = shutdown_seconds(ctx, ctx.yaml.safe_load(ctx.read("deploy/examples/quickstart.yaml"))) + SHUTDOWN_MARGIN_SECONDS
    r.check(f"systemd: TimeoutStopSec covers the default config's drain ({need:.1f}s)",
            stop_timeout.isdigit() and int(stop_timeout) >= need, stop_timeout)
    hardening = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                 "PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictNamespaces": "yes",
                 "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes", "SystemCallArchitectures": "native"}
    wrong = [k for k, v in hardening.items() if (service.get(k) or [None])[-1] != v]
    r.check("systemd: hardening options set", not wrong, f"missing or different: {wrong}")
    families = " ".join(service.get("RestrictAddressFamilies", []))
    r.check("systemd: RestrictAddressFamilies allows what vcproxy uses (inet, inet6, unix)",
            all(f in families.split() for f in ("AF_INET", "AF_INET6", "AF_UNIX")), families)
    r.check("systemd: SystemCallFilter set", bool(service.get("SystemCallFilter")))
    r.check("systemd: runs unprivileged", (service.get("DynamicUser") or ["no"])[-1] == "yes"
            or (service.get("User") or ["root"])[-1] not in ("root", "0"))
    credential = re.search(r"LoadCredential=([\w.-]+):", text)
    if credential:
        path = f"/run/credentials/vcproxy.service/{credential.group(1)}"
        r.check("systemd: the token_file shown for LoadCredential is the credential's path", path in text, path)
    verify_unit(ctx, text)


def verify_unit(ctx, text):
    name = "systemd: systemd-analyze verify reports nothing"
    if not shutil.which("systemd-analyze") or not (ctx.binary and os.path.exists(ctx.binary)):
        ctx.report.skip(name, "needs systemd-analyze and the binary")
        return
    with tempfile.TemporaryDirectory() as directory:
        unit_path = os.path.join(directory, "vcproxy.service")
        with open(unit_path, "w") as f:
            f.write(text.replace("/usr/bin/vcproxy", os.path.abspath(ctx.binary)))
        result = subprocess.run(["systemd-analyze", "verify", unit_path], capture_output=True, text=True, timeout=60)
    output = (result.stdout + result.stderr).strip()
    ctx.report.check(name, result.returncode == 0 and not output, output)
