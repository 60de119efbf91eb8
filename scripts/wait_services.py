"""Exit 0 when every given service URL (postgresql://, redis://) accepts a TCP connection
within a few seconds, else print which one is down and exit 1. CI uses it so that a missing
PostgreSQL or Redis fails the run instead of skipping the tests that need them."""

from __future__ import annotations

import socket
import sys
import time
from urllib.parse import urlsplit

DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379}


def reachable(url: str, deadline: float) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def main(urls: list[str]) -> int:
    deadline = time.monotonic() + 10
    down = [u for u in urls if not reachable(u, deadline)]
    for url in urls:
        parts = urlsplit(url)
        state = "DOWN" if url in down else "up"
        print(f"{parts.scheme}://{parts.hostname}:{parts.port}: {state}")
    return 1 if down else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
