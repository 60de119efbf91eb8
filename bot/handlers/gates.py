"""A cheap check in front of each feature router, so an update skips the routers that
cannot take it.

aiogram tries a router's handlers one by one, each handler's filters in turn. A press of a
category-page button used to run about fifty filters (every CallbackData filter of the
routers before the catalog's unpacks the data to find that its prefix differs), and a
search typed as plain text about twenty: a fifth of the dispatcher's time in the profile.

`gate(router)` reads what every handler of a router requires and, when each one requires
something the gate can test (a CallbackData prefix, a dialog state, a command prefix),
puts one router filter in front that lets through exactly the updates at least one
handler could take. It never adds a requirement: a router with a handler the gate cannot
read (a catch-all, a custom filter) is left as it is, and a router with sub-routers too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from inspect import isclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

log = logging.getLogger(__name__)

_GATED = "_smm_gated"


@dataclass(frozen=True)
class CallbackGate:
    """Lets a press through when its data starts with one of the prefixes (and separator)."""

    starts: tuple[str, ...]

    def __call__(self, query: CallbackQuery) -> bool:
        data = query.data
        return bool(data) and data.startswith(self.starts)  # type: ignore[union-attr]


@dataclass(frozen=True)
class MessageGate:
    """Lets a message through when the dialog has a state (`state`), or its text or caption
    starts with a command prefix (after blanks, as aiogram's Command reads it)."""

    state: bool = False
    prefixes: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        if self.state and raw_state is not None:
            return True
        if not self.prefixes:
            return False
        text = message.text or message.caption
        return bool(text) and text.lstrip()[:1] in self.prefixes  # type: ignore[union-attr]


def _needs_state(spec: Any) -> bool | None:
    """True when the filter passes only in some dialog state (never without one)."""
    if isinstance(spec, State):
        return spec.state not in (None, "*")
    if isinstance(spec, StatesGroup) or (isclass(spec) and issubclass(spec, StatesGroup)):
        return True
    if isinstance(spec, StateFilter):
        # a state given by name ("Dialog:step") passes only in that state; None and "*"
        # pass without one
        return all(
            state not in (None, "*") if isinstance(state, str) or state is None
            else _needs_state(state)
            for state in spec.states
        )  # fmt: skip
    return None


def _callback_starts(handlers: Iterable[HandlerObject]) -> tuple[str, ...] | None:
    starts: set[str] = set()
    for handler in handlers:
        for flt in handler.filters or ():
            if isinstance(flt.callback, CallbackQueryFilter):
                data = flt.callback.callback_data
                # unpack() splits on the separator and compares the first part
                starts.add(data.__prefix__ + data.__separator__)
                break
        else:
            return None  # a handler that may take other data
    return tuple(sorted(starts)) if starts else None


def _message_gate(handlers: Iterable[HandlerObject]) -> MessageGate | None:
    state = False
    prefixes: set[str] = set()
    any_handler = False
    for handler in handlers:
        any_handler = True
        for flt in handler.filters or ():
            spec = flt.callback
            if _needs_state(spec):
                state = True
                break
            if isinstance(spec, Command):
                prefixes.update(spec.prefix)
                break
        else:
            return None  # a handler the gate cannot read: no gate
    if not any_handler:
        return None
    return MessageGate(state=state, prefixes=frozenset(prefixes))


def gate(router: Router) -> None:
    """Put the gates in front of `router` (once; a router without sub-routers only)."""
    if router.sub_routers or getattr(router, _GATED, False):
        return
    setattr(router, _GATED, True)
    starts = _callback_starts(router.callback_query.handlers)
    if starts is not None:
        router.callback_query.filter(CallbackGate(starts))
    message = _message_gate(router.message.handlers)
    if message is not None:
        router.message.filter(message)
    log.debug("router %s gated: callbacks %s, messages %s", router.name, starts, message)


class Inline:
    """A plain filter made awaitable, so aiogram calls it on the event loop (`callback` is
    the filter itself)."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[..., Any]) -> None:
        self.callback = callback

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.callback(*args, **kwargs)


def inline_sync_filters(router: Router) -> int:
    """Run every plain (not async) filter of `router` and its sub-routers on the event loop;
    returns how many there were.

    aiogram hands a filter that is not a coroutine function to a thread
    (`asyncio.to_thread`): a magic filter (`F.chat.type == "private"`), a `State`, the
    gates above. Each is a few attribute reads, and the hand-off to a thread and back costs
    far more (12 hand-offs in a typed search, a fifth of its time in the profile). Filters
    are for checks like these; one that blocked would be a bug either way. Handlers are
    left as they are.
    """
    count = 0
    for observer in router.observers.values():
        # a router's own filters (`router.message.filter(...)`) live in its observer's
        # `_handler`; a test checks that none is left to a thread
        own: list[FilterObject] = observer._handler.filters or []
        for flt in [*own, *(f for h in observer.handlers for f in h.filters or ())]:
            if not flt.awaitable:
                flt.callback = Inline(flt.callback)
                flt.awaitable = True
                count += 1
    for sub in router.sub_routers:
        count += inline_sync_filters(sub)
    return count
