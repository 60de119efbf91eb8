"""`python -m bot health`, the container's HEALTHCHECK, run every minute: it reads the age of
the heartbeat file the running bot refreshes. It imports nothing heavy (no aiogram, no
pydantic): a few milliseconds instead of seconds of CPU."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.envfile import read_setting

HEARTBEAT_EVERY = 30  # seconds between two refreshes by the running bot
STALE_AFTER = HEARTBEAT_EVERY * 4  # a heartbeat older than this: the loops have stopped
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"  # bot.config's default, without importing it
HTTP_TIMEOUT = 5.0


def split_listen(value: str) -> tuple[str, int]:
    """`host:port` (`[::1]:8080` for IPv6; `:8080` listens everywhere) as (host, port);
    ValueError if it is not one. HTTP_LISTEN and WEBHOOK_LISTEN are read with it, by the
    settings and by the health check (which does not load them)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
        raise ValueError("must be host:port, e.g. 0.0.0.0:8080 or 127.0.0.1:8080")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - the operator asked for it


class Beat:
    """The heartbeat in memory: the running bot's heartbeat task touches it with the file,
    and /healthz reads it (the same rule as `python -m bot health`: fresh within
    STALE_AFTER)."""

    def __init__(self) -> None:
        self.last: float | None = None  # monotonic time of the last beat

    def touch(self) -> None:
        self.last = time.monotonic()

    def problem(self) -> str | None:
        """None while fresh; else why not."""
        if self.last is None:
            return "no heartbeat yet"
        age = time.monotonic() - self.last
        return f"heartbeat is {age:.0f} s old" if age > STALE_AFTER else None


def heartbeat_file(database_path: Path) -> Path:
    return database_path.parent / "heartbeat"


def health() -> int:
    """With HTTP_LISTEN set, the bot's own /healthz answers; otherwise the heartbeat file."""
    listen = read_setting("HTTP_LISTEN", "").strip()
    if listen:
        return http_health(listen)
    return file_health()


def http_health(listen: str) -> int:
    import urllib.error
    import urllib.request

    try:
        host, port = split_listen(listen)
    except ValueError as exc:
        print(f"HTTP_LISTEN={listen!r}: {exc}", file=sys.stderr)
        return 1
    if host in ("0.0.0.0", "::"):  # noqa: S104 - listening everywhere: ask locally
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    url = f"http://{host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as answer:
            print(f"healthy: {answer.read().decode(errors='replace').strip()}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{url} answered {exc.code}: {exc.read().decode(errors='replace')}", file=sys.stderr)
    except (OSError, ValueError) as exc:
        print(f"{url} did not answer: {exc}", file=sys.stderr)
    return 1


def file_health() -> int:
    path = heartbeat_file(Path(read_setting("DATABASE_PATH", DEFAULT_DATABASE_PATH)))
    try:
        age = time.time() - int(path.read_text().strip())
    except (OSError, ValueError):
        print(f"no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > STALE_AFTER:
        print(f"heartbeat is {age:.0f} s old", file=sys.stderr)
        return 1
    print(f"healthy, heartbeat {age:.0f} s old")
    return 0
