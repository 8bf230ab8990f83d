"""`make demo` picks its database as README says: SQLite by default, PostgreSQL when asked.

A dry run (`make -n`) shows the commands the target would run: which extras it
installs and the DATABASE_URL its manage.py commands get. e2e/run_walkthrough.sh
(`make e2e`) runs the real `make demo DATABASE_URL=postgres://...`.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQLITE = f"sqlite:///{ROOT}/example_project/db.sqlite3"
POSTGRES = "postgres://postgres@127.0.0.1:5432/shopcore_demo"


def demo_commands(tmp_path, *arguments, **environment):
    """The commands of `make -n demo`, with a virtualenv that does not exist yet."""
    make = shutil.which("make")
    assert make, "make is needed for the developer entry points"
    env = {key: value for key, value in os.environ.items() if not key.endswith("DATABASE_URL")}
    env.pop("MAKEFLAGS", None)
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [make, "-n", "demo", f"VENV={tmp_path / 'venv'}", *arguments],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def installs(commands):
    return [line for line in commands.splitlines() if "pip install" in line and "--group" in line]


def manage_database_urls(commands):
    return {
        line.split("DATABASE_URL='")[1].split("'")[0]
        for line in commands.splitlines()
        if "manage.py" in line
    }


def test_the_demo_runs_on_its_sqlite_file_by_default(tmp_path):
    commands = demo_commands(tmp_path)

    assert manage_database_urls(commands) == {SQLITE}
    assert installs(commands) == [
        f'{tmp_path}/venv/bin/python -m pip install --quiet -e "." --group example'
    ]


@pytest.mark.parametrize("where", ["command line", "environment"])
def test_a_postgresql_database_url_is_used_with_the_postgres_extra(tmp_path, where):
    if where == "command line":
        commands = demo_commands(tmp_path, f"DATABASE_URL={POSTGRES}")
    else:
        commands = demo_commands(tmp_path, DATABASE_URL=POSTGRES)

    assert manage_database_urls(commands) == {POSTGRES}
    assert installs(commands) == [
        f'{tmp_path}/venv/bin/python -m pip install --quiet -e ".[postgres]" --group example'
    ]


def test_demo_database_url_wins_over_database_url(tmp_path):
    other = "postgres://postgres@127.0.0.1:5432/other"
    commands = demo_commands(tmp_path, f"DEMO_DATABASE_URL={POSTGRES}", f"DATABASE_URL={other}")

    assert manage_database_urls(commands) == {POSTGRES}


def test_a_dotenv_database_url_is_not_the_demos(tmp_path):
    # The example project reads .env, but real environment variables win: the Makefile's.
    commands = demo_commands(tmp_path)

    assert all("DATABASE_URL='" in line for line in commands.splitlines() if "manage.py" in line)
