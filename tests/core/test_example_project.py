"""Smoke tests of the example project, each in a subprocess with its own environment."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
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
        # An existing directory: WhiteNoise warns (on stderr) about a missing one.
        STATIC_ROOT=str(tmp_path),
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
    # The settings module alone: setting Django up would load the PostgreSQL driver,
    # which a SQLite-only environment need not have.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; import demo.settings as s; print(json.dumps("
            "[s.DATABASES, getattr(s, 'DATABASE_ROUTERS', []), s.SHOPCORE], default=str))",
        ],
        cwd=EXAMPLE_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
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


# The production start documented in the README: collectstatic, then gunicorn.
# No control socket: gunicorn's default path is one per user, shared by every server.
GUNICORN_COMMAND = [
    *(sys.executable, "-m", "gunicorn", "--workers", "1", "--no-control-socket"),
    "demo.wsgi:application",
]


@contextlib.contextmanager
def gunicorn_serving(env, command=GUNICORN_COMMAND):
    """The example project under gunicorn (``command``, without ``--bind``) on a free
    loopback port; its base URL."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own arguments)
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=EXAMPLE_PROJECT,
        env=env,
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


@pytest.fixture
def gunicorn_url(project_env):
    """The example project under gunicorn, for this test only."""
    with gunicorn_serving(project_env) as base_url:
        yield base_url


def test_gunicorn_as_started_here_creates_no_control_socket(project_env, tmp_path):
    home, runtime_dir = tmp_path / "home", tmp_path / "runtime"
    runtime_dir.mkdir()
    env = {**project_env, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime_dir)}
    with gunicorn_serving(env) as base_url:
        assert get(f"{base_url}/api/schema/")[0] == 200
        assert list(runtime_dir.iterdir()) == []
        assert not (home / ".gunicorn").exists()


# Every other place that starts gunicorn: e2e/server.py (newman, the browser, schemathesis,
# the storefront, make multihost) and the benchmark harness.
@pytest.mark.parametrize("starter", ["e2e/server.py", "bench/harness.py"])
def test_every_gunicorn_the_project_starts_has_no_control_socket(starter):
    source = (EXAMPLE_PROJECT.parent / starter).read_text()

    assert '"gunicorn"' in source
    assert '"--no-control-socket"' in source


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


class StaticAssets(HTMLParser):
    """The ``src`` and ``href`` values under ``/static/`` of an HTML page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith("/static/"):
                self.urls.append(value)


def static_assets(html):
    parser = StaticAssets()
    parser.feed(html)
    return parser.urls


def get(url):
    """The status and body of a GET, also for an error status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def readme_production_start():
    """The manage.py commands of README's production start, and its gunicorn command
    (run with this interpreter, without its ``--bind``), as README shows them."""
    readme = (EXAMPLE_PROJECT.parent / "README.md").read_text()
    (block,) = [
        block
        for block in re.findall(r"```console\n(.*?)```", readme, re.S)
        if "gunicorn demo.wsgi:application" in block
    ]
    lines = [line.split("#")[0].split() for line in block.splitlines()]
    manage_commands = [line[2:] for line in lines if line[:2] == ["python", "manage.py"]]
    (gunicorn,) = [line[1:] for line in lines if line[:1] == ["gunicorn"]]
    bind = gunicorn.index("--bind")
    del gunicorn[bind : bind + 2]
    return manage_commands, [sys.executable, "-m", "gunicorn", *gunicorn]


def test_readme_production_start_is_what_the_production_test_runs():
    manage_commands, gunicorn = readme_production_start()

    assert manage_commands == [["migrate"], ["collectstatic", "--noinput"]]
    assert gunicorn[3:] == [
        "demo.wsgi:application",
        *("--workers", "4"),
        "--no-control-socket",
    ]


def test_without_debug_gunicorn_serves_the_docs_and_every_asset_they_reference(
    project_env, tmp_path
):
    """README's production start, command by command, on plain HTTP (as README says)."""
    env = {**project_env, "STATIC_ROOT": str(tmp_path / "static")}
    manage_commands, gunicorn = readme_production_start()
    for command in manage_commands:
        result = manage(*command, env=env)
        assert result.returncode == 0, result.stderr
    with gunicorn_serving(env, gunicorn) as base_url:
        for page in ("/api/docs/", "/api/redoc/"):
            status, html = get(base_url + page)
            assert status == 200
            assets = static_assets(html.decode())
            assert assets, f"{page} references no static file"
            for asset in assets:
                status, body = get(base_url + asset)
                assert status == 200, f"{page}: {asset} answered {status}"
                assert body, f"{page}: {asset} is empty"


def import_wsgi_module(env):
    """Import demo.wsgi as gunicorn does, in a subprocess: its output."""
    return subprocess.run(
        [sys.executable, "-c", "import demo.wsgi"],
        cwd=EXAMPLE_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_the_wsgi_module_says_why_plain_http_is_redirected(project_env):
    env = {**project_env}
    del env["SECURE_SSL_REDIRECT"]
    result = import_wsgi_module(env)
    assert result.returncode == 0, result.stderr
    assert "set SECURE_SSL_REDIRECT=false" in result.stderr
    assert "SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto" in result.stderr


def test_readme_says_what_to_set_behind_a_tls_proxy_and_on_plain_http():
    readme = (EXAMPLE_PROJECT.parent / "README.md").read_text()
    production = readme[readme.index("In production (`DEBUG` off)") : readme.index("## Using")]

    assert "redirected (301) to `https://`" in production
    assert "**behind a TLS-terminating proxy**" in production
    assert "`SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto`" in production
    assert "**on plain HTTP on purpose**" in production
    assert "`SECURE_SSL_REDIRECT=false`" in production


@pytest.mark.parametrize(
    "setting", [{"SECURE_SSL_REDIRECT": "false"}, {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}]
)
def test_the_wsgi_module_gives_no_redirect_hint_when_https_is_configured(project_env, setting):
    env = {**project_env, **setting}
    if "SECURE_PROXY_SSL_HEADER" in setting:
        del env["SECURE_SSL_REDIRECT"]
    result = import_wsgi_module(env)
    assert result.returncode == 0, result.stderr
    assert "SECURE_SSL_REDIRECT" not in result.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
def test_an_unknown_api_path_is_a_json_404_in_the_example_project(project_env, debug):
    # DEBUG's 404 page is HTML, and DEBUG ignores handler404: the package answers itself.
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "response = Client().get('/api/categories/electronics/', HTTP_HOST='localhost', "
        "HTTP_ACCEPT='text/html'); "
        "print(json.dumps([response.status_code, response['Content-Type'], "
        "response.content.decode()]))"
    )
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [sys.executable, "-c", script],
        cwd=EXAMPLE_PROJECT,
        env={**project_env, "DEBUG": debug, "DJANGO_SETTINGS_MODULE": "demo.settings"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    status, content_type, body = json.loads(result.stdout.splitlines()[-1])
    assert (status, content_type) == (404, "application/json")
    assert json.loads(body) == {"detail": "Not found."}
