"""Build the sdist and wheel, check them, and run the example project on the wheel.

Usage: ``python .ci/check_package.py WORK_DIR`` (tox's packaging env). Exits
non-zero at the first failure. Needs ``build`` and ``twine`` installed.
"""

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Paths that must ship in the wheel, and prefixes that must not.
REQUIRED_IN_WHEEL = [
    "django_shopcore/catalog/migrations/0001_initial.py",
    "django_shopcore/catalog/migrations/0002_postgresql_search_and_estimates.py",
    "django_shopcore/accounts/migrations/0001_initial.py",
    "django_shopcore/accounts/migrations/0002_user_identifier_indexes.py",
    "django_shopcore/accounts/templates/shopcore_accounts/password_reset_email.txt",
    "django_shopcore/openapi/urls.py",
    "django_shopcore/templates/django_shopcore/redoc.html",
]
FORBIDDEN_PREFIXES = ["example_project/", "tests/", "bench/", ".ci/"]
# In the example project's shell: Swagger UI through the whole middleware stack.
DOCS_REQUEST = (
    "import sys; from django.test import Client; "
    "status = Client().get('/api/docs/', HTTP_HOST='localhost').status_code; "
    "print('GET /api/docs/', status); sys.exit(status != 200)"
)


def run(*args, **kwargs):
    print("+", " ".join(str(arg) for arg in args), flush=True)
    # The arguments are this script's own, never outside input.
    subprocess.run([str(arg) for arg in args], check=True, **kwargs)  # noqa: S603


def build(dist_dir):
    run(sys.executable, "-m", "build", "--outdir", dist_dir, ROOT)
    artifacts = sorted(dist_dir.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", *artifacts)
    (wheel,) = dist_dir.glob("*.whl")
    return wheel


def check_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    missing = [path for path in REQUIRED_IN_WHEEL if path not in names]
    forbidden = [name for name in names if name.startswith(tuple(FORBIDDEN_PREFIXES))]
    if missing or forbidden:
        sys.exit(f"error: {wheel.name}: missing {missing}, must not contain {forbidden}")
    print(f"{wheel.name}: {len(names)} files, migrations included, no project or test files")


def run_example_project_on(wheel, work_dir):
    """A clean venv with the wheel and the example group: the project must check and migrate."""
    venv_dir = work_dir / "wheel-venv"
    venv.create(venv_dir, clear=True, with_pip=True)
    python = venv_dir / "bin" / "python"
    # pip >= 25.1 installs dependency groups: the example project's own.
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1")
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        wheel,
        "--group",
        f"{ROOT / 'pyproject.toml'}:example",
    )
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "packaging-check-not-a-secret-but-long-enough-for-hs256",
        "DATABASE_URL": f"sqlite:///{work_dir / 'packaging.sqlite3'}",
        "PYTHONPATH": "",
    }
    # The source tree is not on sys.path here, so django_shopcore comes from the wheel.
    example_project = ROOT / "example_project"
    run(
        python,
        "-c",
        "import django_shopcore, sys; "
        f"sys.exit(not django_shopcore.__file__.startswith({str(venv_dir)!r}))",
        cwd=work_dir,
    )
    run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=example_project, env=env)
    run(python, "manage.py", "migrate", "--noinput", "-v0", cwd=example_project, env=env)
    # The example group holds everything the production start needs: gunicorn loads the
    # WSGI application, and a request goes through every middleware (WhiteNoise's too).
    plain_http = {**env, "SECURE_SSL_REDIRECT": "false"}
    run(
        python,
        "-m",
        "gunicorn",
        "--check-config",
        "--no-control-socket",
        "demo.wsgi:application",
        cwd=example_project,
        env=plain_http,
    )
    run(python, "manage.py", "shell", "-c", DOCS_REQUEST, cwd=example_project, env=plain_http)
    run(
        python,
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        "shopcore_catalog",
        "shopcore_accounts",
        cwd=example_project,
        env=env,
    )


def main():
    work_dir = Path(sys.argv[1]).resolve()
    dist_dir = work_dir / "dist"
    if dist_dir.exists():
        for old in dist_dir.iterdir():
            old.unlink()
    wheel = build(dist_dir)
    check_wheel_contents(wheel)
    run_example_project_on(wheel, work_dir)
    print("packaging: OK")


if __name__ == "__main__":
    main()
