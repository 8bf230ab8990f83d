"""Serve the example project under gunicorn on a fresh PostgreSQL database, for end-to-end runs.

Run a command against the live server, which is always stopped afterwards::

    python -m e2e.server -- npx newman run ...

The command finds the server in its environment: ``E2E_BASE_URL`` (e.g.
``http://127.0.0.1:43127``), ``E2E_ADMIN_USERNAME`` and ``E2E_ADMIN_PASSWORD``.
The database is dropped and created again on every start. Environment:

- ``E2E_DATABASE_URL``: the database to recreate
  (default ``postgres://postgres@127.0.0.1:5432/shopcore_e2e``), directly on the
  primary: it is dropped, created and migrated through this URL.
- ``E2E_SERVE_DATABASE_URL``: the URL gunicorn uses for the same database, e.g.
  through pgbouncer (default ``E2E_DATABASE_URL``).
- ``E2E_PORT``: the port gunicorn listens on (default: a free one).
- ``E2E_ADMIN_USERNAME``, ``E2E_ADMIN_PASSWORD``: the admin account to create
  (default ``admin`` and a random password).
"""

import argparse
import contextlib
import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROJECT = REPO_ROOT / "example_project"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopcore_e2e"
# How long gunicorn may take to answer its first request.
STARTUP_TIMEOUT = 30
# How long gunicorn may take to finish its requests once asked to stop.
SHUTDOWN_TIMEOUT = 10


@dataclasses.dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_username: str
    admin_password: str
    # gunicorn's error and access log, kept until the server stops.
    log_path: Path

    def log(self):
        return self.log_path.read_text()


def recreate_database(database_url):
    """Drop the database named in ``database_url`` (closing its sessions) and create it empty."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    # Connect to the maintenance database: one cannot drop the database one is in.
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            identifier = sql.Identifier(name)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    finally:
        connection.close()


def free_port():
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url, settings_module="e2e.settings"):
    """The environment of manage.py and gunicorn: the e2e settings on the given database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(EXAMPLE_PROJECT)]),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def prepare_database(env, admin_username, admin_password):
    """Recreate, migrate and give an admin account to the database of ``env``."""
    recreate_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": admin_password},
        "createsuperuser",
        "--noinput",
        "--username",
        admin_username,
        "--email",
        f"{admin_username}@example.com",
    )


def manage(env, *args):
    subprocess.run(
        [sys.executable, str(EXAMPLE_PROJECT / "manage.py"), *args], env=env, check=True
    )


def wait_until_serving(process, base_url, log_path):
    """Poll the API until gunicorn answers; fail with its log if it dies or hangs."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/api/categories/", timeout=5):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # An HTTP answer of any kind: gunicorn is serving.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer within {STARTUP_TIMEOUT}s:\n{log_path.read_text()}"
    )


def stop(process):
    """SIGTERM lets gunicorn finish its requests; SIGKILL if it does not in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def gunicorn(env, port=None):
    """Serve the example project with ``env`` on ``port`` (default: a free one); yields
    its base URL and log path, and stops it on exit."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="shopcore-e2e-") as log_dir:
        log_path = Path(log_dir) / "gunicorn.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "demo.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--access-logfile",
                    "-",
                    # gunicorn's control socket is one path per user: servers started
                    # side by side would take over each other's. Nothing here uses it.
                    "--no-control-socket",
                ],
                env=env,
                cwd=EXAMPLE_PROJECT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(process, base_url, log_path)
            yield base_url, log_path
        finally:
            stop(process)


@contextlib.contextmanager
def live_server(database_url=None, admin_username=None, admin_password=None):
    """Yield a `LiveServer` freshly migrated, with its admin account, stopped on exit."""
    database_url = database_url or os.environ.get("E2E_DATABASE_URL", DEFAULT_DATABASE_URL)
    admin_username = admin_username or os.environ.get("E2E_ADMIN_USERNAME", "admin")
    admin_password = (
        admin_password or os.environ.get("E2E_ADMIN_PASSWORD") or secrets.token_urlsafe(16)
    )
    env = server_environment(database_url)
    prepare_database(env, admin_username, admin_password)
    serve_url = os.environ.get("E2E_SERVE_DATABASE_URL") or database_url
    port = int(os.environ.get("E2E_PORT") or 0)
    with gunicorn({**env, "DATABASE_URL": serve_url}, port) as (base_url, log_path):
        yield LiveServer(base_url, admin_username, admin_password, log_path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="+", help="the command to run against the server")
    args = parser.parse_args(argv)
    # A CI timeout or Ctrl-C still stops gunicorn: SIGTERM unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with live_server() as server:
        print(f"e2e server: {server.base_url} (admin {server.admin_username!r})", flush=True)
        env = {
            **os.environ,
            "E2E_BASE_URL": server.base_url,
            "E2E_ADMIN_USERNAME": server.admin_username,
            "E2E_ADMIN_PASSWORD": server.admin_password,
        }
        returncode = subprocess.run(args.command, env=env, check=False).returncode
        if returncode:
            # The server's side of the failure: tracebacks and the access log.
            print(f"--- gunicorn log ---\n{server.log()}", file=sys.stderr)
        return returncode


if __name__ == "__main__":
    sys.exit(main())
