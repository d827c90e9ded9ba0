#!/usr/bin/env python3
"""Markdown tables for bench/balancer.sh from its results file.

Each line of the results file: WORKERS CASE TOOL ROUND VALUE (tab-separated). A cell is the
median over the rounds with the range in brackets; a ratio is kubegate's median over the
other tool's median, with the range of the per-round ratios (each round measures the tools
back to back, so a round's ratio is a paired comparison).
"""
import os
import statistics
import sys
from collections import defaultdict

TOOLS = ["direct", "kubegate", "haproxy", "nginx"]

# case key, label, unit, decimals, higher is better, target over haproxy (text, factor).
# The "proxy CPU" rows: user + system time of all the proxy's processes over the run,
# divided by the work done (lower is better; barely moved by other load on the machine).
CASES = {
    "throughput": [
        ("tput1", "1 stream", "Gbit/s", 1, True, ">= 1.2x haproxy", 1.2),
        ("tput4", "4 streams", "Gbit/s", 1, True, ">= 1.2x haproxy", 1.2),
        ("tput1_cpu", "proxy CPU, 1 stream", "ms/GB", 0, False, "-", None),
        ("tput4_cpu", "proxy CPU, 4 streams", "ms/GB", 0, False, "-", None),
    ],
    "new connections": [
        ("cps", "new connection per request", "conn/s", 0, True, ">= 1.2x haproxy", 1.2),
        ("cps_cpu", "proxy CPU per connection", "µs", 1, False, "-", None),
    ],
    "keep-alive": [
        ("ka_rate", "requests", "req/s", 0, True, ">= haproxy", 1.0),
        ("ka_p99", "p99 latency", "ms", 2, False, "<= haproxy", 1.0),
        ("ka_cpu", "proxy CPU per request", "µs", 2, False, "-", None),
    ],
    "memory, idle connections": [
        ("mem_rss", "resident, connection-holding processes", "MiB", 1, False, "<= haproxy", 1.0),
        ("mem_pss", "proportional (PSS), all processes", "MiB", 1, False, "-", None),
        ("mem_base", "resident before the connections", "MiB", 1, False, "-", None),
        ("mem_per_conn", "resident added per connection", "KiB", 2, False, "-", None),
    ],
}


def load(path):
    data = defaultdict(dict)  # (workers, case, tool) -> {round: value}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            workers, case, tool, rnd, value = parts
            try:
                data[(int(workers), case, tool)][int(rnd)] = float(value)
            except ValueError:
                continue
    return data


def fmt(x, decimals):
    return f"{x:,.{decimals}f}"


def cell(values, decimals):
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med, decimals)
    return f"{fmt(med, decimals)} ({fmt(min(values), decimals)}–{fmt(max(values), decimals)})"


def ratio_cell(kg, other):
    if not kg or not other:
        return "-", None
    mk = statistics.median(kg.values())
    mo = statistics.median(other.values())
    if mo == 0:
        return "-", None
    r = mk / mo
    paired = [kg[i] / other[i] for i in kg if i in other and other[i] != 0]
    text = f"{r:.2f}"
    if len(paired) > 1:
        text += f" ({min(paired):.2f}–{max(paired):.2f})"
    return text, r


def verdict(r, higher_better, target):
    if r is None or target is None:
        return "-"
    ok = r >= target if higher_better else r <= target
    return "met" if ok else "missed"


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: report.py RESULTS\n")
        return 2
    data = load(argv[1])
    workers = sorted({k[0] for k in data})
    for title, rows in CASES.items():
        present = [r for r in rows if any((w, r[0], t) in data for w in workers for t in TOOLS)]
        if not present:
            continue
        tools = [t for t in TOOLS if any((w, r[0], t) in data for w in workers for r in present)]
        if title.startswith("memory"):
            title = f"memory, {int(os.environ.get('IDLE_CONNS', '9000')):,} idle connections"
        print(f"### {title}\n")
        head = ["workers", "measure", "unit"] + tools + [
            "kubegate / haproxy",
            "kubegate / nginx",
            "target",
            "verdict",
        ]
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
        for w in workers:
            for key, label, unit, dec, higher, target_text, target in present:
                series = {t: data.get((w, key, t), {}) for t in tools}
                cells = [cell(list(series[t].values()), dec) for t in tools]
                kg = series.get("kubegate", {})
                r_ha, r = ratio_cell(kg, series.get("haproxy", {}))
                r_ng, _ = ratio_cell(kg, series.get("nginx", {}))
                row = [str(w), label, unit] + cells + [
                    r_ha,
                    r_ng,
                    target_text,
                    verdict(r, higher, target),
                ]
                print("| " + " | ".join(row) + " |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
