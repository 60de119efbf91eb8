"""The data commands of `python -m bot`: `backup PATH`, `restore PATH` (bot/backup.py) and
`migrate-data --from sqlite:///path --to postgresql://...` (bot/db/transfer.py). None needs
the bot's other settings; each imports what it uses when it runs."""

from __future__ import annotations

import sys


def backup_or_restore(command: str, path: str) -> int:
    """Needs only DATABASE_PATH (or DATABASE_URL): works without the bot's other settings."""
    from pathlib import Path

    from bot.backup import PG_GUIDANCE, BackupError, copy_database, restore_database
    from bot.db.base import sqlite_path
    from bot.envfile import read_setting
    from bot.health import DEFAULT_DATABASE_PATH

    url = read_setting("DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://")):
        print(PG_GUIDANCE, file=sys.stderr)
        return 2
    # the file the bot opens: DATABASE_URL=sqlite:///path when set, else DATABASE_PATH
    database = (
        sqlite_path(url) if url else Path(read_setting("DATABASE_PATH", DEFAULT_DATABASE_PATH))
    )
    try:
        if command == "backup":
            made = copy_database(database, Path(path))
            print(f"backup of {database} written to {made}")
        else:
            restore_database(Path(path), database)
            print(f"{database} restored from {path}")
    except (BackupError, OSError) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    return 0


def migrate_data(source: str | None, target: str | None) -> int:
    """`migrate-data --from sqlite:///path --to postgresql://...`: copy a shop's data into an
    empty PostgreSQL database and check it (bot/db/transfer.py). Needs no other setting."""
    import asyncio

    if not source or not target:
        print("migrate-data needs --from sqlite:///path and --to postgresql://...", file=sys.stderr)
        return 2
    from bot.db import DatabaseUnavailable
    from bot.db.transfer import TransferError, describe, transfer

    print(f"Copying {source} to {describe(target)}")
    try:
        report = asyncio.run(transfer(source, target, progress=lambda line: print(f"  {line}")))
    except (TransferError, DatabaseUnavailable) as exc:
        print(f"migrate-data: {exc}", file=sys.stderr)
        return 1
    total = sum(report.rows.values())
    print(
        f"Done: {total} row(s) in {len(report.rows)} table(s); balances {report.balances}"
        f" = ledger {report.ledger} micro-units; row counts match the source"
    )
    return 0
