"""The database a benchmark runs on: `--database-url postgresql://...` (a fresh schema there,
dropped afterwards) or, by default, a SQLite file in a temporary folder."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.helpers import postgres_schema


def arguments(description: str, *numbers: tuple[str, int]) -> argparse.Namespace:
    """`--database-url` and the benchmark's own positional sizes (name, default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database-url", default=None, help="postgresql://... (default: SQLite in a temp dir)"
    )
    for name, default in numbers:
        parser.add_argument(name, type=int, nargs="?", default=default)
    return parser.parse_args()


@asynccontextmanager
async def bench_target(url: str | None) -> AsyncIterator[Path | str]:
    """What `Database(...)` opens for this run; its engine is named in the output."""
    if url is None or url.startswith("sqlite:"):
        print("database: SQLite")
        with tempfile.TemporaryDirectory() as tmp:
            yield Path(tmp) / "bench.sqlite3"
        return
    print("database: PostgreSQL")
    async with postgres_schema(url) as schema_url:
        yield schema_url
