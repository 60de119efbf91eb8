"""`python -m bot health`, the container's HEALTHCHECK, run every minute: it reads the age of
the heartbeat file the running bot refreshes. It imports nothing heavy (no aiogram, no
pydantic): a few milliseconds instead of seconds of CPU."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.envfile import read_setting

HEARTBEAT_EVERY = 30  # seconds between two refreshes by the running bot
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"  # bot.config's default, without importing it


def heartbeat_file(database_path: Path) -> Path:
    return database_path.parent / "heartbeat"


def health() -> int:
    path = heartbeat_file(Path(read_setting("DATABASE_PATH", DEFAULT_DATABASE_PATH)))
    try:
        age = time.time() - int(path.read_text().strip())
    except (OSError, ValueError):
        print(f"no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > HEARTBEAT_EVERY * 4:
        print(f"heartbeat is {age:.0f} s old", file=sys.stderr)
        return 1
    print(f"healthy, heartbeat {age:.0f} s old")
    return 0
