"""What every benchmark in bench/ shares: the database, Django, gunicorn, wrk and CPU counters."""

import json
import os
import platform
import secrets
import shutil
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
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "report.lua"
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"
# gunicorn's database sessions carry this name, so their backends can be told apart.
APPLICATION_NAME = "shopcore-bench"
# Clock ticks per second of /proc/<pid>/stat's CPU times.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("Installing wrk with apt-get...")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=300)


def ensure_database(server_url, name, fresh=False):
    """Create the database ``name`` if missing; ``fresh`` drops it first."""
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    identifier = sql.Identifier(name)
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    connection.close()


def configure_django(database_url, cache_url, cache_responses=False):
    """Point this process (and, through the environment, gunicorn) at the bench settings."""
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["CONN_MAX_AGE"] = "600"
    # The example project's default (Django's); CONN_HEALTH_CHECKS=true measures
    # the round trip it adds to every request.
    os.environ.setdefault("CONN_HEALTH_CHECKS", "false")
    os.environ["REDIS_URL"] = "" if cache_url == "none" else cache_url
    os.environ["BENCH_CACHE_RESPONSES"] = "1" if cache_responses else "0"
    import django

    django.setup()
    from django.core.cache import cache

    # Entries made for another database (or catalog) must not answer this run.
    cache.clear()


def migrate():
    from django.core.management import call_command
    from django.db import connection

    # Migrations may take minutes on a big catalog: lift the bench's statement timeout.
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    call_command("migrate", verbosity=0, skip_checks=True)
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


def count_queries(url, explain=False, method="get", **request):
    """Status and SQL queries of one in-process request (every alias), with EXPLAIN if asked.

    ``request`` goes to the Django test client's method (``data``,
    ``content_type``, ``headers``).
    """
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    captures = [CaptureQueriesContext(connections[alias]) for alias in connections]
    for capture in captures:
        capture.__enter__()
    try:
        # A failing target is reported (status 500), not allowed to end the run.
        client = Client(raise_request_exception=False)
        response = getattr(client, method)(url, **request)
    finally:
        for capture in captures:
            capture.__exit__(None, None, None)
    queries = [query["sql"] for capture in captures for query in capture.captured_queries]
    plans = [explain_query(sql) for sql in queries if sql.startswith("SELECT")] if explain else []
    return response.status_code, len(queries), plans


def explain_query(sql):
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    except DatabaseError as error:
        plan = f"(EXPLAIN failed: {error})"
    return {"sql": sql, "plan": plan}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving bench.settings on a loopback port, stopped on exit.

    ``cpus`` (e.g. ``"0"``) pins the master and its workers with taskset;
    ``log`` (an open file) takes their output instead of this process's stderr.
    """

    def __init__(self, port, workers=2, cpus=None, log=None):
        self.port = port
        self.workers = workers
        self.cpus = cpus
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "demo.wsgi:application",
            f"--workers={self.workers}",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            f"--pythonpath={ROOT},{ROOT / 'example_project'}",
            "--timeout=120",
            "--log-level=warning",
            # gunicorn's control socket is one path per user, shared by every server.
            "--no-control-socket",
        ]
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        env = {**os.environ, "BENCH_APPLICATION_NAME": APPLICATION_NAME}
        self.process = subprocess.Popen(
            command,
            env=env,
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT if self.log else None,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                urllib.request.urlopen(f"{self.base_url}/api/categories/", timeout=5)
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
        # taskset execs gunicorn in place: the master keeps the pid Popen started.
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(child) for child in children.read_text().split()]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


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


def cpu_seconds(pids):
    """User + system CPU seconds the processes ``pids`` have used so far (gone ones: 0)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        # Fields after the command name (which may hold spaces): utime is the 14th field.
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


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


def write_request_file(path, requests):
    """One request per line for report.lua: method, path, bearer token ("-": none), body."""
    with open(path, "w") as lines:
        for method, url_path, token, body in requests:
            lines.write(f"{method}\t{url_path}\t{token or '-'}\t{body or ''}\n")


def run_wrk(url, connections, duration, paths=None, requests_file=None, wrk_cpus=None):
    """wrk's summary: p50/p99 (ms), req/s, requests and errors.

    ``paths`` are requested in turn (GET); ``requests_file`` (see
    ``write_request_file``) is walked once, each line sent once: more
    requests than lines count as ``overrun`` (and as errors).
    """
    env = os.environ.copy()
    with tempfile.NamedTemporaryFile("w", suffix=".paths") as path_file:
        if paths:
            path_file.write("\n".join(paths))
            path_file.flush()
            env["WRK_PATHS"] = path_file.name
        if requests_file:
            env["WRK_REQUESTS"] = str(requests_file)
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
        if wrk_cpus is not None:
            command = ["taskset", "-c", wrk_cpus, *command]
        # wrk only stops after a response lands, which can take a while when
        # 16 connections queue on two workers; past this bound the run is void.
        output = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=duration + 90, check=True
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = stats["duration_us"] / 1e6
    return {
        "seconds": seconds,
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "rps": stats["requests"] / seconds if seconds else 0.0,
        "requests": stats["requests"],
        "errors": sum(
            stats[key]
            for key in (
                "connect_errors",
                "read_errors",
                "write_errors",
                "non_2xx",
                "timeouts",
            )
        ),
        "overrun": stats["overrun"],
    }


def machine():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "load_average_at_start": os.getloadavg(),
    }


def git_commit():
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip()


def stop_on_sigterm(signum, frame):
    # SystemExit unwinds through the Server context, which stops gunicorn.
    sys.exit(f"Stopped by signal {signum}")


def write_report(report, output, started):
    output = output or RESULTS_DIR / f"{started:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {output}")
    return output
