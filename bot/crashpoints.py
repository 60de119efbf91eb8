"""Crash points: test instrumentation that lets the reliability suite kill the bot at an
exact step of placing, refunding or a refill/cancel request (tests/reliability/test_crash.py).

`crashpoint("place:charged")` does nothing unless the environment variable `BOT_CRASH_AT`
names that point (a comma-separated list); then the process sends itself SIGKILL, a real
kill with no cleanup, no `finally`, no flush: what a power cut or the OOM killer does. A
restart on the same database must then settle everything exactly once.

Inert in production: `BOT_CRASH_AT` is never set there, and the cost per call is one
frozenset lookup (the variable is read once, at the first call, never at import).

The points (each placed after the step it names has happened, before the next):
- `place:charged`  the debit and the `submitting` order committed; `add` not sent yet
- `place:answered` the panel accepted `add`; its order id not recorded yet
- `place:rejected` the panel rejected `add`; the order not failed/refunded yet
- `place:recorded` the order recorded `pending`; the customer not shown the outcome yet
- `refund:committed` a refund committed (a poller batch with one, `fail_order`); nothing
  after it yet (the poller's next batch, the customer's outcome)
- `poll:committed` a poller batch without a refund committed (e.g. Completed)
- `request:opened` a refill/cancel request row committed as `sending`; panel not called yet
- `request:answered` the panel accepted the refill/cancel; the request row not closed yet
"""

from __future__ import annotations

import functools
import os
import signal

ENV = "BOT_CRASH_AT"


@functools.cache
def _armed() -> frozenset[str]:
    raw = os.environ.get(ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def crashpoint(name: str) -> None:
    """Kill this process with SIGKILL if `BOT_CRASH_AT` lists `name`; else nothing."""
    if name in _armed():
        os.kill(os.getpid(), signal.SIGKILL)
