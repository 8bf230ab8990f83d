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


# In the example project's shell: a view that breaks, requested through the whole stack.
FAILING_REQUEST = """
from unittest import mock
from django.test import Client
with mock.patch(
    "django_shopcore.catalog.views.ProductViewSet.list", side_effect=RuntimeError("boom")
):
    response = Client(raise_request_exception=False).get(
        "/api/products/", HTTP_HOST="localhost", HTTP_X_REQUEST_ID="req-42"
    )
print(response.status_code, response["X-Request-ID"], response.content.decode())
"""


def test_an_unhandled_error_is_one_json_line_on_stderr_with_the_request_id(project_env):
    result = manage("shell", "--no-imports", "-c", FAILING_REQUEST, env=project_env)
    assert result.stdout.strip() == '500 req-42 {"detail": "Server error."}'
    events = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    # One event for the error (django-axes also says hello at INFO when it starts).
    (event,) = [event for event in events if event["level"] != "INFO"]
    assert event["level"] == "ERROR"
    assert event["request_id"] == "req-42"
    assert event["message"] == "Internal Server Error: /api/products/"
    assert "RuntimeError: boom" in event["exc"]


# Five wrong admin passwords for one name, each from another forged address,
# then the right one from yet another: django-axes must refuse it.
ADMIN_LOCKOUT_SCRIPT = """
from django.contrib.auth import get_user_model
from django.test import Client

get_user_model().objects.create_superuser("boss", "boss@example.com", "Right-Passphrase-42")
client = Client(HTTP_HOST="localhost")
for n in range(5):
    client.post(
        "/admin/login/",
        {"username": "boss", "password": "wrong"},
        REMOTE_ADDR=f"198.51.100.{n}",
        HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
    )
right = client.post(
    "/admin/login/",
    {"username": "boss", "password": "Right-Passphrase-42"},
    REMOTE_ADDR="192.0.2.1",
)
print("status", right.status_code, "logged-in", "_auth_user_id" in client.session)
"""


def test_the_admin_registers_the_hardened_user_admin(project_env):
    script = (
        "from django.contrib import admin; from django.contrib.auth import get_user_model; "
        "print(type(admin.site.get_model_admin(get_user_model())).__name__)"
    )
    result = manage("shell", "-c", script, env=project_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ShopcoreUserAdmin")


def test_the_admin_login_locks_a_username_out_after_repeated_failures(project_env):
    migrated = manage("migrate", "--noinput", env=project_env)
    assert migrated.returncode == 0, migrated.stderr

    result = manage("shell", "-c", ADMIN_LOCKOUT_SCRIPT, env=project_env)

    assert result.returncode == 0, result.stderr
    assert "status 429 logged-in False" in result.stdout
