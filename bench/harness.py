"""The measuring side of bench/run.py: gunicorn on a loopback port, wrk runs, worker RSS."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "report.lua"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving bench.settings on a loopback port, stopped on exit."""

    def __init__(self, port):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "demo.wsgi:application",
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            f"--pythonpath={ROOT},{ROOT / 'example_project'}",
            "--timeout=120",
            "--log-level=warning",
            # gunicorn's control socket is one path per user, shared by every server.
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                urllib.request.urlopen(f"{self.base_url}/reference/categories/", timeout=5)
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def fetch(url):
    """Status and the page's ``count`` (None when not a page), as a warm-up."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, None
    try:
        return status, json.loads(body).get("count")
    except (ValueError, AttributeError):
        return status, None


def warm_up(url):
    """One request, then a second of two connections, so that both workers are warm.

    Returns what the first request gave (see ``fetch``).
    """
    status, hits = fetch(url)
    if status == 200:
        run_wrk(url, 2, 1)
    return status, hits


def run_wrk(url, connections, duration, paths=None):
    env = os.environ.copy()
    with tempfile.NamedTemporaryFile("w", suffix=".paths") as path_file:
        if paths:
            path_file.write("\n".join(paths))
            path_file.flush()
            env["WRK_PATHS"] = path_file.name
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout=30s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ]
        # wrk only stops after a response lands, which can take a while when
        # 16 connections queue on two workers; past this bound the run is void.
        output = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=duration + 90, check=True
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = stats["duration_us"] / 1e6
    return {
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "rps": stats["requests"] / seconds if seconds else 0.0,
        "requests": stats["requests"],
        "errors": sum(
            stats[key]
            for key in ("connect_errors", "read_errors", "write_errors", "non_2xx", "timeouts")
        ),
    }


def measure_rss(server, url, paths, seconds):
    """Each worker's RSS before and after ``seconds`` of the list mix on 2 connections."""
    before = {pid: rss_kib(pid) for pid in server.worker_pids()}
    stats = run_wrk(url, 2, seconds, paths=paths)
    after = {pid: rss_kib(pid) for pid in before}
    return {
        "requests": stats["requests"],
        "workers": [
            {"pid": pid, "before_kib": before[pid], "after_kib": after[pid]} for pid in before
        ],
        "max_growth_kib": max(after[pid] - before[pid] for pid in before),
    }
