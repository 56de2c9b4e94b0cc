"""Small parsers for the deploy files: Dockerfile instructions, systemd units, endpoints, PromQL
names. Only what the checks need."""

import json
import re
import shlex


def parse_endpoint(text):
    """("tcp", host, port) for host:port / [v6]:port, ("unix", path, None), or None."""
    text = str(text)
    if text.startswith("unix:"):
        return ("unix", text[len("unix:"):], None)
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\[\]]+):(\d+)", text)
    if not match:
        return None
    host = match.group(1) or match.group(3)
    return ("tcp", host, int(match.group(2) or match.group(4)))


def is_loopback(host):
    return host in ("localhost", "::1") or host.startswith("127.")


# ---- Dockerfile ------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """[(INSTRUCTION, arguments)] with line continuations joined and comments dropped."""
    instructions = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not current):
            continue  # comments are dropped, also inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        word, _, rest = current.partition(" ")
        instructions.append((word.upper(), rest.strip()))
        current = ""
    return instructions


def dockerfile_stages(instructions):
    """[{"from": image, "name": alias, "instructions": [...]}] split at FROM."""
    stages = []
    for word, rest in instructions:
        if word == "FROM":
            parts = rest.split()
            image = [p for p in parts if not p.startswith("--")][0]
            alias = parts[parts.index("AS") + 1] if "AS" in parts else (
                parts[parts.index("as") + 1] if "as" in parts else None)
            stages.append({"from": image, "name": alias, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((word, rest))
    return stages


def apt_installed(stage):
    """Packages named after `apt-get install` in a stage's RUN instructions."""
    packages = []
    for word, rest in stage["instructions"]:
        if word != "RUN":
            continue
        for match in re.finditer(r"apt-get install((?:\s+[^&;|]+)+)", rest):
            packages += [t for t in match.group(1).split() if not t.startswith("-") and "=" not in t]
    return packages


def exec_form(arguments):
    """The JSON array of an exec-form instruction, or None for the shell form."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


# ---- systemd ---------------------------------------------------------------------------------

def parse_unit(text):
    """{section: {key: [values...]}}; a key may repeat (ExecReload=...). Comments dropped."""
    sections = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_command(value):
    """argv of an Exec*= value, without systemd's prefixes (-, @, +, !, :)."""
    return shlex.split(value.lstrip("-@+!:"))


# ---- PromQL ----------------------------------------------------------------------------------

def promql_metrics(expr):
    return set(re.findall(r"\bvcproxy_[a-z0-9_]+", expr))


def promql_rated(expr):
    """Metric names passed to rate/irate/increase."""
    return re.findall(r"\b(?:rate|irate|increase)\(\s*(vcproxy_[a-z0-9_]+)", expr)


def promql_labels(expr):
    """Label names in by()/without() clauses and in selectors."""
    labels = set()
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        labels |= {name.strip() for name in group.split(",") if name.strip()}
    for selector in re.findall(r"\{([^{}]*)\}", expr):
        labels |= set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", selector))
    return labels


def template_labels(text):
    """Labels named in {{ $labels.x }} (alert annotations) and {{x}} (Grafana legends)."""
    return set(re.findall(r"\{\{\s*\$labels\.([a-zA-Z_]\w*)\s*\}\}", text)) | set(
        re.findall(r"\{\{\s*([a-zA-Z_]\w*)\s*\}\}", text))
