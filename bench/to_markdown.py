"""Render bench/results/*.json files as the Markdown tables of docs/performance.md.

Several files (e.g. one run per target) are merged, later files winning;
``--medians`` instead takes each file as one repeat of the same run and
tabulates every run's p50, the medians, and each type's ratio to the
``--baseline`` type (a catalog list) in the same run:

.venv/bin/python bench/to_markdown.py bench/results/<run>.json [...] [--explain]
.venv/bin/python bench/to_markdown.py --medians bench/results/*-checkout.json
"""

import argparse
import json
import statistics
from pathlib import Path


def cell(row, key, unit="", digits=1):
    if row is None or not row["requests"]:
        return "-"
    value = row[key]
    if value is None:
        return "-"
    return f"{value:.{digits}f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def sql_cell(row):
    """Queries per request: "2/1" when the first request makes more than later ones."""
    if row is None or not row["requests"] or row["queries"] is None:
        return "-"
    first = row.get("queries_first", row["queries"])
    return str(first) if first == row["queries"] else f"{first}/{row['queries']}"


def tables(report):
    # shopcore first, so the ratios read "how many times better than the reference".
    targets = sorted({row["target"] for row in report["results"]}, key=lambda t: t != "shopcore")
    lines = []
    for connections in sorted({row["connections"] for row in report["results"]}):
        rows = [row for row in report["results"] if row["connections"] == connections]
        lines.append(f"\n**{connections} connection{'s' if connections > 1 else ''}**\n")
        header = ["request type"]
        for target in targets:
            header += [f"{target} p50", "p99", "req/s", "SQL", "errors"]
        if len(targets) == 2:
            header += ["p50 ratio", "req/s ratio"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for name in dict.fromkeys(row["type"] for row in rows):
            by_target = {row["target"]: row for row in rows if row["type"] == name}
            cells = [f"`{name}`"]
            for target in targets:
                row = by_target.get(target)
                cells += [
                    cell(row, "p50_ms", " ms", digits=2),
                    cell(row, "p99_ms", " ms"),
                    cell(row, "rps"),
                    sql_cell(row),
                    cell(row, "errors"),
                ]
            measured = [row for row in by_target.values() if row["requests"]]
            if len(targets) == 2 and len(measured) == 2:
                first, second = (by_target[target] for target in targets)
                cells += [
                    f"{second['p50_ms'] / first['p50_ms']:.1f}x",
                    f"{first['rps'] / second['rps']:.1f}x",
                ]
            elif len(targets) == 2:
                cells += ["-", "-"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def merge(reports):
    results, plans, orders = {}, {}, {}
    for report in reports:
        for row in report["results"]:
            results[row["target"], row["type"], row["connections"]] = row
            order = orders.setdefault(row["target"], {})
            order.setdefault(row["type"], len(order))
        plans.update(report.get("explain", {}))
    # Rows in the order the run measured them, from the target with most types.
    order = max(orders.values(), key=len, default={})
    ordered = sorted(
        results.values(), key=lambda row: (order.get(row["type"], len(order)), row["target"])
    )
    return {"results": ordered, "explain": plans}


def explains(report):
    lines = []
    for request, plans in report.get("explain", {}).items():
        lines.append(f"\n#### {request}\n")
        for plan in plans:
            lines.append(f"```sql\n{plan['sql']}\n```\n\n```\n{plan['plan']}\n```\n")
    return "\n".join(lines)


def medians(reports, baseline="default", target="shopcore"):
    """Per connection count and type: each run's p50, the medians, and the ratios to baseline."""
    lines = []
    rows = [
        {**row, "run": number}
        for number, report in enumerate(reports)
        for row in report["results"]
        if row["target"] == target and row["requests"]
    ]
    for connections in sorted({row["connections"] for row in rows}):
        here = [row for row in rows if row["connections"] == connections]
        base = {row["run"]: row for row in here if row["type"] == baseline}
        lines.append(f"\n**{connections} connection{'s' if connections > 1 else ''}**\n")
        lines.append(
            f"| request type | p50 of each run (ms) | p50 median | p99 median | req/s median "
            f"| SQL | p50 / `{baseline}` p50 | req/s / `{baseline}` req/s |"
        )
        lines.append("|---|---|---|---|---|---|---|---|")
        for name in dict.fromkeys(row["type"] for row in here):
            runs = [row for row in here if row["type"] == name]
            # Ratios within each run, then their median: the load changes between runs.
            same_run = [(row, base[row["run"]]) for row in runs if row["run"] in base]
            p50_ratio = ratio(row["p50_ms"] / first["p50_ms"] for row, first in same_run)
            rps_ratio = ratio(row["rps"] / first["rps"] for row, first in same_run)
            each = " / ".join(f"{row['p50_ms']:.2f}" for row in runs)
            lines.append(
                f"| `{name}` | {each} "
                f"| {statistics.median(row['p50_ms'] for row in runs):.2f} ms "
                f"| {statistics.median(row['p99_ms'] for row in runs):.1f} ms "
                f"| {statistics.median(row['rps'] for row in runs):.1f} "
                f"| {sql_cell(runs[0])} | {p50_ratio} | {rps_ratio} |"
            )
    return "\n".join(lines)


def ratio(values):
    values = list(values)
    return f"{statistics.median(values):.2f}x" if values else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--medians", action="store_true", help="the files are repeats of a run")
    parser.add_argument("--baseline", default="default", help="with --medians: the ratios' base")
    args = parser.parse_args()
    reports = [json.loads(path.read_text()) for path in args.results]
    if args.medians:
        print(medians(reports, args.baseline))
        return
    report = merge(reports)
    print(tables(report))
    if args.explain:
        print(explains(report))


if __name__ == "__main__":
    main()
