"""Smoke tests of the example project, each in a subprocess with its own environment."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "example_project"
# Upper bound for any one subprocess, so a hang fails the test instead of the run.
TIMEOUT = 60


@pytest.fixture
def project_env(tmp_path):
    """An environment that fixes every variable the project reads, whatever .env says."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_", "REDIS_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="example-project-tests-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback interface: no redirect to HTTPS.
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'example.sqlite3'}",
        CACHE_URL="locmemcache://",
        REDIS_URL="",
    )
    return env


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = (EXAMPLE_PROJECT / "demo" / "settings.py").read_text()
    variables = set(re.findall(r"env\.\w+\(\s*\"(\w+)\"", settings_source))
    documented = set(
        re.findall(r"^#? ?(\w+)=", (EXAMPLE_PROJECT.parent / ".env.example").read_text(), re.M)
    )
    assert "SECRET_KEY" in variables
    assert variables - documented == set()


def manage(*args, env):
    return subprocess.run(  # noqa: S603 (our own arguments)
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_the_settings_boot_and_pass_the_deploy_checks_that_matter(project_env):
    result = manage("check", "--fail-level", "WARNING", env=project_env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def database_settings(env):
    """DATABASES, DATABASE_ROUTERS and SHOPCORE as the project sets them up under ``env``."""
    result = manage(
        "shell",
        "-c",
        "import json; from django.conf import settings as s; print(json.dumps("
        "[s.DATABASES, s.DATABASE_ROUTERS, s.SHOPCORE], default=str))",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # The last line: the shell may announce its automatic imports first.
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_replicas_come_from_database_replica_urls(project_env):
    urls = "postgres://u@replica-a:5432/shop,postgres://u@replica-b:5432/shop?connect_timeout=5"
    env = {
        **project_env,
        "DATABASE_URL": "postgres://u@pgbouncer:6432/shop",
        "DATABASE_REPLICA_URLS": urls,
        "DISABLE_SERVER_SIDE_CURSORS": "true",
    }
    databases, routers, shopcore = database_settings(env)
    assert routers == ["django_shopcore.core.routers.ReplicaRouter"]
    assert shopcore["DATABASE_REPLICAS"] == ["replica1", "replica2"]
    assert databases["replica1"]["HOST"] == "replica-a"
    assert databases["replica2"]["HOST"] == "replica-b"
    # A short connect timeout, so that a replica that is down costs little; the URL's wins.
    assert databases["replica1"]["OPTIONS"]["connect_timeout"] == 2
    assert databases["replica2"]["OPTIONS"]["connect_timeout"] == 5
    for alias in ("default", "replica1", "replica2"):
        assert databases[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_without_replica_urls_there_is_no_router(project_env):
    databases, routers, shopcore = database_settings(project_env)
    assert list(databases) == ["default"]
    assert routers == []
    assert shopcore["DATABASE_REPLICAS"] == []
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_debug_runs_without_a_secret_key(project_env):
    result = manage("check", env={**project_env, "DEBUG": "true", "SECRET_KEY": ""})
    assert result.returncode == 0, result.stderr


def test_without_debug_a_missing_secret_key_refuses_to_start(project_env):
    result = manage("check", env={**project_env, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_gunicorn_imports_the_wsgi_application(project_env):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "demo.wsgi:application"],
        cwd=EXAMPLE_PROJECT,
        env=project_env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url, server, deadline):
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{server.stderr.read()}")
        try:
            return urllib.request.urlopen(url, timeout=5)  # noqa: S310 (a loopback URL)
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {TIMEOUT} s")


@pytest.fixture
def gunicorn_url(project_env):
    """The example project under gunicorn on a free loopback port, for this test only."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "demo.wsgi:application",
        ],
        cwd=EXAMPLE_PROJECT,
        env=project_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{base_url}/api/schema/", server, time.monotonic() + TIMEOUT)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def test_gunicorn_serves_the_schema_and_swagger_ui(gunicorn_url):
    request = urllib.request.Request(  # noqa: S310 (a loopback URL)
        f"{gunicorn_url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    with urllib.request.urlopen(request, timeout=10) as schema:  # noqa: S310
        assert schema.status == 200
        assert schema.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    with urllib.request.urlopen(f"{gunicorn_url}/api/docs/", timeout=10) as docs:  # noqa: S310
        assert docs.status == 200
        html = docs.read().decode()
    assert "swagger-ui" in html
    assert "/api/schema/" in html
