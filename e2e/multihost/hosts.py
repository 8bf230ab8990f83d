"""Serve the example project on two hosts, A and B, as a multi-host deployment would, and run
a command against them; both are stopped afterwards::

    python -m e2e.multihost.hosts -- pytest e2e/multihost/test_multihost.py

Both hosts share one database (through pgbouncer), one streaming replica, one
Redis and one SECRET_KEY. The database is recreated, migrated and given an
admin directly on the primary first. Environment (set by e2e/multihost/run.sh):

- ``MULTIHOST_DATABASE_URL``: the database on the primary, recreated;
- ``MULTIHOST_SERVE_DATABASE_URL``: the same database through pgbouncer;
- ``MULTIHOST_REPLICA_URL``: the same database on the replica;
- ``MULTIHOST_CACHE_URL``: the shared Redis.

The command gets ``MULTIHOST_A_URL``, ``MULTIHOST_B_URL``, ``E2E_ADMIN_USERNAME``
and ``E2E_ADMIN_PASSWORD``.
"""

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys

from e2e.server import gunicorn, prepare_database, server_environment

from . import config


def host_environment():
    database_url = os.environ["MULTIHOST_DATABASE_URL"]
    return server_environment(database_url, settings_module="e2e.multihost.settings")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="+", help="the command to run against the hosts")
    args = parser.parse_args(argv)
    # A CI timeout or Ctrl-C still stops gunicorn: SIGTERM unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    admin_username, admin_password = "admin", secrets.token_urlsafe(16)
    env = host_environment()
    prepare_database(env, admin_username, admin_password)
    served = {
        **env,
        "DATABASE_URL": os.environ["MULTIHOST_SERVE_DATABASE_URL"],
        "DATABASE_REPLICA_URLS": os.environ["MULTIHOST_REPLICA_URL"],
        "DISABLE_SERVER_SIDE_CURSORS": "true",
        "CACHE_URL": os.environ["MULTIHOST_CACHE_URL"],
        "REDIS_URL": "",
        "CACHE_RESPONSES": "true",
    }
    with contextlib.ExitStack() as stack:
        url_a, log_a = stack.enter_context(gunicorn(served, config.HOST_A_PORT))
        url_b, log_b = stack.enter_context(gunicorn(served, config.HOST_B_PORT))
        print(f"host A: {url_a}, host B: {url_b} (admin {admin_username!r})", flush=True)
        command_env = {
            **os.environ,
            "MULTIHOST_A_URL": url_a,
            "MULTIHOST_B_URL": url_b,
            "E2E_ADMIN_USERNAME": admin_username,
            "E2E_ADMIN_PASSWORD": admin_password,
        }
        returncode = subprocess.run(args.command, env=command_env, check=False).returncode
        if returncode:
            for name, log in (("A", log_a), ("B", log_b)):
                print(f"--- host {name} gunicorn log ---\n{log.read_text()}", file=sys.stderr)
        return returncode


if __name__ == "__main__":
    sys.exit(main())
