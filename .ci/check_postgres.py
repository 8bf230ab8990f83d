"""Exit non-zero, saying why, unless the PostgreSQL server of DATABASE_URL accepts us.

The test database itself need not exist (pytest-django creates it), so this
connects to the server's ``postgres`` database with the same credentials.
"""

import os
import sys

import environ
import psycopg2


def main():
    url = os.environ.get("DATABASE_URL", "")
    config = environ.Env.db_url_config(url) if url else {}
    if "postgresql" not in config.get("ENGINE", ""):
        sys.exit(f"error: DATABASE_URL={url!r} is not a PostgreSQL URL.")
    try:
        psycopg2.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=5,
        ).close()
    except psycopg2.OperationalError as exc:
        sys.exit(
            f"error: PostgreSQL is not reachable at {url}:\n  {str(exc).strip()}\n"
            "Start PostgreSQL (or run .ci/run, which starts it) or point DATABASE_URL "
            "at a server where this user may create databases. The PostgreSQL tests "
            "are never skipped."
        )
    print(f"PostgreSQL reachable at {url}")


if __name__ == "__main__":
    main()
