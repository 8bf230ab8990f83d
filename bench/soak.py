"""Soak the example project under gunicorn on PostgreSQL at a steady rate; count every error.

Starts a fresh server (e2e/server.py: 2 sync workers, a new database), seeds a
catalog, then sends a fixed mix of reads, admin writes and invalid requests
from a few threads at a steady total rate. Every response must have its
expected status; anything else, or a connection error, counts as an error.
Worker memory (RSS) is sampled throughout. Prints a summary and exits non-zero
on any error. See docs/security.md ("Load soak").

    .venv/bin/python bench/soak.py                          # 10 minutes at 40 requests/s
    .venv/bin/python bench/soak.py --duration 60 --rate 20  # a quick run
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from e2e.server import EXAMPLE_PROJECT, live_server, server_environment  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopcore_soak"
# How often worker memory is sampled, in seconds.
RSS_INTERVAL = 15
# Tokens are renewed well within simplejwt's default 5-minute access lifetime.
TOKEN_LIFETIME = 120


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--rate", type=float, default=40, help="total requests/s (default 40)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--categories", type=int, default=200)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    return parser.parse_args(argv)


class Api:
    """Bearer tokens for a user and the admin, renewed by logging in again."""

    def __init__(self, base_url, admin_username, admin_password):
        self.base_url = base_url
        self.credentials = {
            "admin": {"username": admin_username, "password": admin_password},
            "user": {"username": "soak-user", "password": "Soak-Passphrase-2026"},
        }
        self.tokens = {}
        self.lock = threading.Lock()

    def request(self, method, path, body=None, who=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if who is not None:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def token(self, who):
        with self.lock:
            token, issued = self.tokens.get(who, (None, 0))
            if token is None or time.monotonic() - issued > TOKEN_LIFETIME:
                status, body = self.request("POST", "/api/auth/login/", self.credentials[who])
                if status != 200:
                    raise RuntimeError(f"login as {who} failed: {status} {body[:200]!r}")
                token = json.loads(body)["access"]
                self.tokens[who] = (token, time.monotonic())
            return token


def request_mix(api):
    """(name, method, path, body, who, expected status) for one round of the mix."""
    _, body = api.request("GET", "/api/products/?page_size=50")
    products = [item["id"] for item in json.loads(body)["results"]]
    _, body = api.request("GET", "/api/categories/?page_size=50")
    categories = [item["id"] for item in json.loads(body)["results"]]
    product, category = products[0], categories[0]
    return [
        ("list", "GET", "/api/products/", None, None, 200),
        (
            "category",
            "GET",
            f"/api/products/?category={category}&ordering=-price",
            None,
            None,
            200,
        ),
        (
            "price",
            "GET",
            "/api/products/?min_price=10&max_price=50&in_stock=true",
            None,
            None,
            200,
        ),
        ("search", "GET", "/api/products/?search=steel", None, None, 200),
        ("page 3", "GET", "/api/products/?page=3&page_size=20", None, None, 200),
        ("detail", "GET", f"/api/products/{product}/", None, None, 200),
        ("categories", "GET", "/api/categories/", None, None, 200),
        ("me", "GET", "/api/auth/me/", None, "user", 200),
        ("stock", "PATCH", f"/api/products/{product}/", {"stock": 7}, "admin", 200),
        ("bad page", "GET", "/api/products/?page_size=0", None, None, 400),
        ("bad price", "GET", "/api/products/?min_price=NaN", None, None, 400),
        ("user write", "DELETE", f"/api/products/{product}/", None, "user", 403),
    ]


def worker_pids(port):
    """The gunicorn worker processes serving ``port``: children of the master bound to it."""
    bind = f"127.0.0.1:{port}".encode()
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"gunicorn" in cmdline and bind in cmdline:
            ppid = int(
                next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1]
            )
            processes[int(entry.name)] = ppid
    return sorted(pid for pid, ppid in processes.items() if ppid in processes)


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def soak(api, port, args):
    mix = request_mix(api)
    interval = args.threads / args.rate
    deadline = time.monotonic() + args.duration
    latencies, statuses, errors = [], Counter(), []
    record = threading.Lock()
    samples = []

    def run(offset):
        index, next_at = offset, time.monotonic() + offset * interval / args.threads
        while next_at < deadline:
            time.sleep(max(0, next_at - time.monotonic()))
            name, method, path, body, who, expected = mix[index % len(mix)]
            started = time.monotonic()
            try:
                status, _ = api.request(method, path, body, who)
            except Exception as exc:
                status = repr(exc)
            elapsed = time.monotonic() - started
            with record:
                latencies.append(elapsed)
                statuses[status] += 1
                if status != expected:
                    errors.append(f"{name}: {method} {path} -> {status}, expected {expected}")
            index += args.threads
            next_at += interval

    def sample_rss():
        while time.monotonic() < deadline:
            samples.append(
                (
                    round(args.duration - (deadline - time.monotonic())),
                    [rss_kib(pid) for pid in worker_pids(port)],
                )
            )
            time.sleep(RSS_INTERVAL)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.threads)]
    threads.append(threading.Thread(target=sample_rss, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join()
    wall = time.monotonic() - started
    samples.append((round(wall), [rss_kib(pid) for pid in worker_pids(port)]))
    return summary(latencies, statuses, errors, samples, wall, args)


def summary(latencies, statuses, errors, samples, wall, args):
    ordered = sorted(latencies)

    def percentile(fraction):
        return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {
        "duration_s": round(wall),
        "target_rate": args.rate,
        "threads": args.threads,
        "requests": len(latencies),
        "achieved_rate": round(len(latencies) / wall, 1),
        "errors": len(errors),
        "first_errors": errors[:20],
        "statuses": {str(status): count for status, count in sorted(statuses.items(), key=str)},
        "latency_ms": {
            "mean": round(1000 * statistics.fmean(ordered), 1),
            "p50": percentile(0.50),
            "p95": percentile(0.95),
            "p99": percentile(0.99),
            "max": round(1000 * ordered[-1], 1),
        },
        # (seconds into the run, [RSS of each worker]) at the start, after a minute, at the end.
        "worker_rss_kib": {
            "start": samples[0],
            "after_1_min": next((sample for sample in samples if sample[0] >= 60), samples[0]),
            "end": samples[-1],
        },
        "rss_samples": samples,
    }


def main(argv=None):
    args = parse_args(argv)
    os.environ["E2E_DATABASE_URL"] = args.database_url
    with live_server() as server:
        env = server_environment(args.database_url)
        subprocess.run(
            [
                sys.executable,
                str(EXAMPLE_PROJECT / "manage.py"),
                "shopcore_seed",
                "--products",
                str(args.products),
                "--categories",
                str(args.categories),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        api = Api(server.base_url, server.admin_username, server.admin_password)
        status, body = api.request(
            "POST", "/api/auth/register/", {**api.credentials["user"], "email": "soak@example.com"}
        )
        if status != 201:
            raise RuntimeError(f"register failed: {status} {body[:200]!r}")
        port = int(server.base_url.rsplit(":", 1)[1])
        print(f"soak: {server.base_url}, {args.duration}s at {args.rate}/s", flush=True)
        result = soak(api, port, args)
    print(
        json.dumps({key: value for key, value in result.items() if key != "rss_samples"}, indent=2)
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
