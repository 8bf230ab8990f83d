"""The facet scenarios through gunicorn and wrk, as bench/run.py measures the lists.

Serves an already seeded database (no migrate, no seed) with bench.settings,
gunicorn with 2 sync workers on a loopback port; per scenario one warm-up
second on 2 connections, then ``--runs`` runs of wrk with 1 connection, and
prints each run's p50 and p99 and their medians (with the load average).
The list without ``facets`` is measured alongside for comparison.

    .venv/bin/python bench/facets/wrk.py \\
        --database-url postgres://postgres@127.0.0.1:5432/shopcore_h3_1m \\
        --cache-url redis://127.0.0.1:6379/3 --port 8301 \\
        [--runs 3] [--duration 5] [--only whole,option]
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from bench import run as bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    bench.configure_django(args.database_url, args.cache_url, cache_responses=False)
    from probe import scenarios

    paths = scenarios(args.seed)
    only = [name for name in args.only.split(",") if name]
    print(f"load average at start: {os.getloadavg()}")
    with bench.Server(args.port or bench.free_port()) as server:
        for name, path in paths.items():
            if only and name not in only:
                continue
            for label, url in (
                (name, f"{server.base_url}{path}"),
                (f"{name} (list only)", f"{server.base_url}{path.replace('facets=true', '')}"),
            ):
                bench.warm_up(url)
                results = [bench.run_wrk(url, 1, args.duration) for _ in range(args.runs)]
                p50s = [result["p50_ms"] for result in results]
                p99s = [result["p99_ms"] for result in results]
                errors = sum(result["errors"] for result in results)
                print(
                    f"{label:28} p50 {' / '.join(f'{p:.2f}' for p in p50s)} "
                    f"(median {statistics.median(p50s):.2f} ms)  "
                    f"p99 median {statistics.median(p99s):.2f} ms  errors {errors}",
                    flush=True,
                )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
