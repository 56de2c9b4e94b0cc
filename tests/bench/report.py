#!/usr/bin/env python3
"""Turns the raw samples of run.sh into one markdown table (python3 stdlib only).

  report.py RAW_TSV [--out FILE] [--meta KEY=VALUE ...] [--top FILE]

RAW_TSV rows: kind <TAB> load <TAB> target <TAB> rep <TAB> metric <TAB> value
  mc      getset|mget10|mget100|getset100k  direct|vcproxy|twemproxy  rep  ops|p50_us|p99_us|errors|misses|gets  number
  matcher getset                 vc10|vc10000              rep  (as mc)
  memaslap getset                direct|vcproxy|twemproxy  rep  ops|errors        number
  redis   P1|P16                 direct|vcproxy|twemproxy  rep  <TEST>.rps|.p50|.p99  number
  cg      <proto>.<phase>        vcproxy|twemproxy         0    ir_load|ir_idle|requests  number
  rss     memcache               vcproxy|twemproxy         0    before|after|touched|count  KiB or count
  note    any                    any                       0    text             free text
Figures are medians over the repetitions; a ratio is the median of the per-repetition ratios
(both sides measured in the same interleaved round), with [min-max] over the repetitions.
"""
import argparse
import collections
import statistics
import sys

NA_REDIS = "n/a (redis listener not available)"


def load_rows(path):
    samples = collections.defaultdict(dict)  # (kind, load, target, metric) -> {rep: value}
    notes = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            kind, load, target, rep, metric, value = parts
            if kind == "note":
                notes.append((load, target, metric, value))
                continue
            try:
                samples[(kind, load, target, metric)][int(rep)] = float(value)
            except ValueError:
                continue
    return samples, notes


class Table:
    def __init__(self, samples):
        self.s = samples
        self.rows = []
        self.goals = []  # (name, status)

    def values(self, kind, load, target, metric):
        return self.s.get((kind, load, target, metric), {})

    def median(self, kind, load, target, metric):
        v = self.values(kind, load, target, metric)
        return statistics.median(v.values()) if v else None

    def ratio(self, kind, load, num, den, metric):
        a, b = self.values(kind, load, num, metric), self.values(kind, load, den, metric)
        per_rep = [a[r] / b[r] for r in a if r in b and b[r] > 0]
        if not per_rep:
            return None, None, None
        return statistics.median(per_rep), min(per_rep), max(per_rep)

    def add(self, figure, direct, vcproxy, twem, ratio, goal="—", status="—"):
        self.rows.append((figure, direct, vcproxy, twem, ratio, goal, status))

    def markdown(self):
        head = ("figure", "direct", "vcproxy", "twemproxy", "ratio (median [min–max] over reps)", "goal", "status")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows:
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)


def fmt_int(x):
    return "—" if x is None else f"{x:,.0f}"


def fmt_ratio(r):
    med, lo, hi = r
    if med is None:
        return "n/a"
    if lo == hi:
        return f"{med:.2f}"
    return f"{med:.2f} [{lo:.2f}–{hi:.2f}]"


def judge(ratio, op, bound):
    med = ratio[0]
    if med is None:
        return "n/a"
    ok = med >= bound if op == ">=" else med <= bound
    return "PASS" if ok else "MISS"


def mc_cell(t, kind, load, target):
    ops = t.median(kind, load, target, "ops")
    if ops is None:
        return "—"
    p50, p99 = t.median(kind, load, target, "p50_us"), t.median(kind, load, target, "p99_us")
    lat = f" (p50 {p50:,.0f} / p99 {p99:,.0f} µs)" if p50 is not None and p99 is not None else ""
    return f"{ops:,.0f}{lat}"


def memcached_rows(t):
    loads = [
        ("getset", "memcached get/set 9:1 (mcload -c 32, req/s, p50/p99)", True),
        ("mget10", "memcached multi-get 10 keys, 9:1 (mcload --mget 10, keys/s, p50/p99)", False),
        ("mget100", "memcached multi-get 100 keys, 9:1 (mcload --mget 100, keys/s, p50/p99)", False),
        ("getset100k", "memcached get/set 9:1, 100 KiB values (mcload --value-size 102400 --keys 1000, req/s, p50/p99)", False),
    ]
    for load, figure, has_goal in loads:
        cells = [mc_cell(t, "mc", load, tgt) for tgt in ("direct", "vcproxy", "twemproxy")]
        vd = t.ratio("mc", load, "vcproxy", "direct", "ops")
        vt = t.ratio("mc", load, "vcproxy", "twemproxy", "ops")
        ratio = f"vc/direct {fmt_ratio(vd)}; vc/twem {fmt_ratio(vt)}"
        if has_goal:
            s1, s2 = judge(vd, ">=", 0.75), judge(vt, ">=", 1.4)
            t.add(figure, *cells, ratio, "vc/direct ≥ 0.75; vc/twem ≥ 1.4", f"{s1}; {s2}")
            t.goals += [("memcached get/set vcproxy ≥ 0.75× direct", s1), ("memcached get/set vcproxy ≥ 1.4× twemproxy", s2)]
        else:
            t.add(figure, *cells, ratio)


def memaslap_row(t):
    cells = []
    for target in ("direct", "vcproxy", "twemproxy"):
        ops, errors = t.median("memaslap", "getset", target, "ops"), t.median("memaslap", "getset", target, "errors")
        if ops is not None and errors:
            cells.append(f"invalid: {errors:,.0f} error replies (memaslap keys hold 0x10 bytes)")
        else:
            cells.append(fmt_int(ops))
    valid = lambda target: not t.median("memaslap", "getset", target, "errors")
    vd = t.ratio("memaslap", "getset", "vcproxy", "direct", "ops") if valid("vcproxy") else (None, None, None)
    td = t.ratio("memaslap", "getset", "twemproxy", "direct", "ops")
    t.add("memcached get/set 9:1 (memcaslap -c 32 -T 2, ops/s)", *cells,
          f"vc/direct {fmt_ratio(vd)}; twem/direct {fmt_ratio(td)}")


def pool_rows(t):
    """vcproxy over a pool of three memcached servers against vcproxy over one (same loads)."""
    loads = [("mc", "getset", "mcload get/set 9:1"), ("mc", "mget10", "mcload multi-get 10 keys"),
             ("mc", "mget100", "mcload multi-get 100 keys")]
    for kind, load, what in loads:
        one, pool = mc_cell(t, kind, load, "vcproxy"), mc_cell(t, kind, load, "vcpool3")
        ratio = t.ratio(kind, load, "vcpool3", "vcproxy", "ops")
        t.add(f"vcproxy, pool of 3 memcached vs 1: {what}", "—", f"1 server {one}; pool of 3 {pool}", "—",
              f"pool3/one {fmt_ratio(ratio)}")
    cells = []
    for target in ("vcproxy", "vcpool3"):
        ops, errors = t.median("memaslap", "getset", target, "ops"), t.median("memaslap", "getset", target, "errors")
        cells.append(fmt_int(ops) + (f" ({errors:,.0f} error replies: memaslap keys hold 0x10 bytes)" if errors else ""))
    ratio = t.ratio("memaslap", "getset", "vcpool3", "vcproxy", "ops")
    t.add("vcproxy, pool of 3 memcached vs 1: memcaslap -c 32 -T 2 (ops/s)", "—",
          f"1 server {cells[0]}; pool of 3 {cells[1]}", "—", f"pool3/one {fmt_ratio(ratio)}")


def redis_cell(t, load, target, test, vc_available):
    if target == "vcproxy" and not vc_available:
        return NA_REDIS
    rps = t.median("redis", load, target, f"{test}.rps")
    if rps is None:
        return "—"
    p50 = t.median("redis", load, target, f"{test}.p50")
    p99 = t.median("redis", load, target, f"{test}.p99")
    lat = f" (p50 {p50:.2f} / p99 {p99:.2f} ms)" if p50 is not None and p99 is not None else ""
    return f"{rps:,.0f}{lat}"


def redis_rows(t, vc_available):
    goals = {("P1", "GET"): 0.95, ("P1", "SET"): 0.95, ("P16", "GET"): 0.6, ("P16", "SET"): 0.6}
    for load in ("P1", "P16"):
        for test in ("GET", "SET", "MGET", "LPUSH"):
            figure = f"redis {test} -P {load[1:]} (redis-benchmark -c 50, req/s, p50/p99)"
            if test == "MGET":
                figure = f"redis MGET 10 keys -P {load[1:]} (redis-benchmark -c 50, req/s, p50/p99)"
            cells = [redis_cell(t, load, tgt, test, vc_available) for tgt in ("direct", "vcproxy", "twemproxy")]
            metric = f"{test}.rps"
            td = t.ratio("redis", load, "twemproxy", "direct", metric)
            if vc_available:
                vd = t.ratio("redis", load, "vcproxy", "direct", metric)
                vt = t.ratio("redis", load, "vcproxy", "twemproxy", metric)
                ratio = f"vc/direct {fmt_ratio(vd)}; vc/twem {fmt_ratio(vt)}"
            else:
                vd = (None, None, None)
                ratio = f"vc n/a; twem/direct {fmt_ratio(td)}"
            bound = goals.get((load, test))
            if bound is None:
                t.add(figure, *cells, ratio)
                continue
            status = judge(vd, ">=", bound)
            t.add(figure, *cells, ratio, f"vc/direct ≥ {bound}", status)
            t.goals.append((f"redis {test} -P {load[1:]} vcproxy ≥ {bound}× direct", status))


def matcher_row(t):
    a = t.median("matcher", "getset", "vc10", "ops")
    b = t.median("matcher", "getset", "vc10000", "ops")
    r = t.ratio("matcher", "getset", "vc10000", "vc10", "ops")
    status = judge(r, ">=", 0.95)
    t.add(
        "key matcher: vcproxy get/set 9:1 with 10 vs 10,000 patterns (mcload, req/s)",
        "—",
        f"10: {fmt_int(a)}; 10,000: {fmt_int(b)}",
        "—",
        f"10,000/10 {fmt_ratio(r)}",
        "10,000/10 ≥ 0.95",
        status,
    )
    t.goals.append(("10,000 patterns cost ≤ 5% throughput vs 10", status))


def per_request(t, load, target, which="ir"):
    """(load window Ir - idle window Ir) / requests; which = "ir" (all threads) or "workers" (data path)."""
    ir_load = t.median("cg", load, target, f"{which}_load")
    idle = t.median("cg", load, target, f"{which}_idle")
    n = t.median("cg", load, target, "requests")
    if ir_load is None or idle is None or not n:
        return None
    return (ir_load - idle) / n


def callgrind_rows(t, vc_redis):
    phases = [
        ("memcache.getset", "memcache", "get/set 9:1", True),
        ("memcache.mget100", "memcache", "get of 100 keys / set 9:1", False),
        ("redis.getset", "redis", "GET/SET 9:1", True),
        ("redis.mget10", "redis", "MGET of 10 keys / SET 9:1", False),
    ]
    for load, proto, what, has_goal in phases:
        vc, tw = per_request(t, load, "vcproxy"), per_request(t, load, "twemproxy")
        n = t.median("cg", load, "vcproxy", "requests") or t.median("cg", load, "twemproxy", "requests")
        figure = f"instructions per request, {proto} {what} (callgrind Ir, {fmt_int(n)} requests, 1 conn)"
        goal = "vc/twem ≤ 1.00" if has_goal else "—"
        if proto == "redis" and not vc_redis:
            t.add(figure, "—", NA_REDIS, fmt_int(tw), "n/a", goal, "n/a" if has_goal else "—")
            if has_goal:
                t.goals.append((f"instructions/request ({proto}) ≤ twemproxy", "n/a"))
            continue
        if vc is None or tw is None:
            t.add(figure, "—", fmt_int(vc), fmt_int(tw), "n/a", goal, "n/a" if has_goal else "—")
            if has_goal:
                t.goals.append((f"instructions/request ({proto}) ≤ twemproxy", "n/a"))
            continue
        r = vc / tw
        vc_dp = per_request(t, load, "vcproxy", "workers")
        vc_cell = fmt_int(vc) + (f" (worker threads {fmt_int(vc_dp)})" if vc_dp is not None else "")
        if not has_goal:
            t.add(figure, "—", vc_cell, fmt_int(tw), f"vc/twem {r:.2f}")
            continue
        status = "PASS" if r <= 1.0 else "MISS"
        t.add(figure, "—", vc_cell, fmt_int(tw), f"vc/twem {r:.2f}", goal, status)
        t.goals.append((f"instructions/request ({proto}) ≤ twemproxy", status))
    matcher_callgrind_row(t)


def matcher_callgrind_row(t):
    load = "memcache.getset"
    a, b = per_request(t, load, "vc10", "workers"), per_request(t, load, "vc10000", "workers")
    if a is None and b is None:
        return

    def idle_rate(target):
        ir, secs = t.median("cg", load, target, "ir_idle"), t.median("cg", load, target, "idle_seconds")
        return None if ir is None or not secs else ir / secs

    ia, ib = idle_rate("vc10"), idle_rate("vc10000")
    n = t.median("cg", load, "vc10", "requests")
    ratio = f"10,000/10 {b / a:.2f}" if a and b else "n/a"
    t.add(
        f"key matcher: worker-thread instructions per request, get/set 9:1, 10 vs 10,000 patterns "
        f"(callgrind Ir, {fmt_int(n)} requests; versions in redis); all threads when idle, Ir/s",
        "—",
        f"10: {fmt_int(a)}; 10,000: {fmt_int(b)} (idle: {fmt_int(ia)} / {fmt_int(ib)} Ir/s)",
        "—",
        ratio,
    )


def rss_rows(t):
    def per_conn(target, after):
        before = t.median("rss", "memcache", target, "before")
        value = t.median("rss", "memcache", target, after)
        count = t.median("rss", "memcache", target, "count")
        if before is None or value is None or not count:
            return None
        return (value - before) / count

    count = t.median("rss", "memcache", "vcproxy", "count")
    label = fmt_int(count) if count else "10,000"
    vc, tw = per_conn("vcproxy", "after"), per_conn("twemproxy", "after")
    fmt = lambda x: "—" if x is None else f"{x:.2f}"
    status = "n/a" if vc is None else ("PASS" if vc <= 4.0 else "MISS")
    t.add(f"RSS per idle client connection ({label} conns, KiB/conn)", "—", fmt(vc), fmt(tw), "—", "vc ≤ 4 KiB", status)
    t.goals.append(("≤ 4 KiB RSS per idle connection", status))
    vc2, tw2 = per_conn("vcproxy", "touched"), per_conn("twemproxy", "touched")
    t.add(f"RSS per client connection after one get each (KiB/conn)", "—", fmt(vc2), fmt(tw2), "—")
    for target in ("vcproxy", "twemproxy"):
        before = t.median("rss", "memcache", target, "before")
        after = t.median("rss", "memcache", target, "after")
        touched = t.median("rss", "memcache", target, "touched")
        if before is not None:
            t.rss_detail = getattr(t, "rss_detail", []) + [
                f"{target}: VmRSS {fmt_int(before)} KiB before, {fmt_int(after)} KiB with the idle connections, "
                f"{fmt_int(touched)} KiB after one get on each"
            ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw")
    parser.add_argument("--out")
    parser.add_argument("--meta", action="append", default=[], help="KEY=VALUE shown above the table")
    parser.add_argument("--callgrind-dir", help="where run.sh left the callgrind_annotate excerpts (*.top.txt)")
    args = parser.parse_args()

    samples, notes = load_rows(args.raw)
    t = Table(samples)
    vc_redis = not any(n[2] == "redis_vcproxy" for n in notes)

    memcached_rows(t)
    memaslap_row(t)
    pool_rows(t)
    matcher_row(t)
    redis_rows(t, vc_redis)
    callgrind_rows(t, vc_redis)
    rss_rows(t)

    out = ["# vcproxy benchmark results", ""]
    for item in args.meta:
        key, _, value = item.partition("=")
        out.append(f"- {key}: {value}")
    out += ["", t.markdown(), ""]
    missed = [g for g, s in t.goals if s == "MISS"]
    passed = [g for g, s in t.goals if s == "PASS"]
    out.append(f"Goals: {len(passed)} PASS, {len(missed)} MISS, {len(t.goals) - len(passed) - len(missed)} n/a.")
    if missed:
        out.append("Missed: " + "; ".join(missed) + ".")
    out.append("")

    # Sanity: memaslap only reads keys it wrote, so misses mean the proxy dropped or mis-keyed data.
    warnings = []
    for (kind, load, target, metric), values in samples.items():
        if kind in ("mc", "matcher") and metric == "errors" and sum(values.values()) > 0:
            warnings.append(f"{target} {load}: {sum(values.values()):,.0f} error replies (mcload); its figures are not valid")
        if kind in ("mc", "matcher") and metric == "misses":
            gets = samples.get((kind, load, target, "gets"), {})
            total_gets, total_misses = sum(gets.values()), sum(values.values())
            if total_gets and total_misses / total_gets > 0.01:
                warnings.append(f"{target} {load}: {100 * total_misses / total_gets:.1f}% of gets missed")
    for load, target, metric, value in notes:
        warnings.append(f"{target} {load} {metric}: {value}")
    if warnings:
        out += ["Notes:", ""] + [f"- {w}" for w in sorted(warnings)] + [""]
    for line in getattr(t, "rss_detail", []):
        out.append(f"- {line}")
    if getattr(t, "rss_detail", None):
        out.append("")
    out += [
        "Method: A/B/C interleaved per repetition (order rotated each repetition); figures are medians over",
        "the repetitions; ratios are medians of per-repetition ratios. Instructions per request = (Ir of the",
        "proxy process while the request stream runs − Ir of an idle window of the same length) / requests,",
        "both windows cut with callgrind_control --zero/--dump; all threads of the proxy are counted (worker",
        "threads alone in brackets), clients and backends are not. RSS per connection = (VmRSS with N idle",
        "connections − VmRSS before) / N. Details: tests/bench/README.md.",
        "",
    ]
    excerpts = [
        ("vcproxy.memcache.getset", "memcache get/set stream", 25),
        ("vcproxy.memcache.mget100", "memcache get-of-100-keys stream", 15),
        ("vcproxy.redis.getset", "redis GET/SET stream", 15),
    ]
    for name, what, lines in excerpts if args.callgrind_dir else []:
        try:
            with open(f"{args.callgrind_dir}/{name}.top.txt") as f:
                top = "\n".join(f.read().splitlines()[:lines])
        except OSError:
            continue
        if top:
            out += [f"Where vcproxy's instructions go, {what} (worker thread, callgrind_annotate --inclusive=no, self Ir):",
                    "", "```", top, "```", ""]
    text = "\n".join(out)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
