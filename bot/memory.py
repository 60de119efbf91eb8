"""Give the C allocator's freed memory back to the operating system after a big job.

A catalog sync or a poll cycle over thousands of orders allocates tens of megabytes that
are freed when it ends (the panel's answer, its parsed entries, SQLite pages), partly in
other threads (the answer is parsed in one, each SQLite connection runs in its own). glibc
keeps what is freed in its per-thread arenas, so the process stays that much bigger until
the next job reuses it. `malloc_trim(0)` returns the free pages of every arena.

Only glibc has it: on musl (Alpine), macOS or Windows `release_freed_memory` does nothing.
It does not depend on MALLOC_ARENA_MAX (the Dockerfile sets it; a bot run elsewhere does not):
`limit_malloc_arenas` sets the same limit from the code when the environment does not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_trim: Callable[[int], int] | None = None
_looked_up = False

# glibc's mallopt parameter for the arena limit (malloc.h), and the limit the Dockerfile sets
M_ARENA_MAX = -8
ARENAS = 1


def _libc_function(name: str) -> Any:
    """`name` from the C library on Linux, or None (not Linux, no libc to load, or one
    without it: musl has neither malloc_trim nor glibc's mallopt parameters)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def _find_trim() -> Callable[[int], int] | None:
    trim = _libc_function("malloc_trim")
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return the allocator's free memory to the system where the C library can (glibc);
    True if it was asked to. Safe to call anywhere, any number of times; it takes a few
    milliseconds on a heap of a few hundred megabytes."""
    global _trim, _looked_up
    if not _looked_up:
        _trim, _looked_up = _find_trim(), True
    if _trim is None:
        return False
    try:
        _trim(0)
    except Exception:  # a foreign libc answering oddly must not break the caller
        log.debug("malloc_trim failed", exc_info=True)
        return False
    return True


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas`, as MALLOC_ARENA_MAX does, unless that is set
    (the operator's choice stands); True if the cap was set.

    Each thread that allocates (SQLite connections, parsing threads) otherwise gets an arena
    of its own, up to 8 per core, each keeping what it freed. One arena for every thread
    keeps ~2 MB less than two at 10k services, 100k orders and 1,000 updates, and the
    updates are as fast (tests/benchmarks/bench_rss.py, bench_updates.py): the threads
    allocate little while they hold no GIL. Only threads that have not allocated yet are
    bound by it: call it before the database opens. glibc only."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    try:
        return bool(mallopt(M_ARENA_MAX, arenas))
    except Exception:  # a foreign libc answering oddly must not stop the bot
        log.debug("mallopt failed", exc_info=True)
        return False
