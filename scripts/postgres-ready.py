"""Exit 0 when the PostgreSQL server of the URL given answers, 1 when it does not."""

from __future__ import annotations

import sys

import psycopg


def main() -> int:
    url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
