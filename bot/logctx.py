"""What a log line is about (the update, the user, the order, the panel action), carried in
context variables: the update middleware, the poller and the panel client set them, and the
JSON log format writes them beside every line made meanwhile, by any module, without passing
them around. A task started meanwhile inherits them (asyncio copies the context)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("update_id", "user_id", "chat_id", "order_id", "panel_action")

_vars: dict[str, ContextVar[Any]] = {
    name: ContextVar(f"log_{name}", default=None) for name in FIELDS
}


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """The fields set for the code inside the block (None values are left as they were)."""
    tokens = [(_vars[name], _vars[name].set(value)) for name, value in fields.items()
              if value is not None]  # fmt: skip
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """A fresh context for one unit of work (an update): every field set to what is given
    (None: unset), all put back afterwards, so what `mark` adds inside stays inside."""
    tokens = [(var, var.set(fields.get(name))) for name, var in _vars.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def mark(**fields: Any) -> None:
    """Fields known from here on, until the enclosing `scope` ends (the order an update
    just created)."""
    for name, value in fields.items():
        _vars[name].set(value)


def current() -> dict[str, Any]:
    """The fields set here and now, without the unset ones."""
    return {name: value for name, var in _vars.items() if (value := var.get()) is not None}
