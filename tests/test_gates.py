"""The router gates (bot/handlers/gates.py): a gate lets through every update one of its
router's handlers could take, and skips the router for the rest."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers import gates
from bot.handlers.gates import CallbackGate, MessageGate


class ACb(CallbackData, prefix="a"):
    n: int


class AbCb(CallbackData, prefix="ab"):
    n: int


class Dialog(StatesGroup):
    one = State()
    two = State()


async def _noop(*_: Any) -> None:
    return None


def _root_filters(router: Router, event: str) -> list[Any]:
    return [f.callback for f in getattr(router, event)._handler.filters or []]


def _message(text: str | None = None, caption: str | None = None) -> Message:
    return Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
         "text": text, "caption": caption}
    )  # fmt: skip


def _press(data: str | None) -> CallbackQuery:
    return CallbackQuery.model_validate(
        {"id": "1", "from": {"id": 1, "is_bot": False, "first_name": "A"},
         "chat_instance": "1", "data": data}
    )  # fmt: skip


def test_a_callback_gate_knows_every_prefix_and_nothing_more() -> None:
    router = Router()
    router.callback_query.register(_noop, ACb.filter())
    router.callback_query.register(_noop, AbCb.filter(F.n == 1), StateFilter(Dialog.one))
    gates.gate(router)
    [gate] = _root_filters(router, "callback_query")
    assert isinstance(gate, CallbackGate)
    assert gate(_press(ACb(n=1).pack())) and gate(_press(AbCb(n=2).pack()))
    # "abc:1" starts with "ab" but its prefix is "abc"; "a" alone has no separator
    assert not gate(_press("abc:1")) and not gate(_press("a")) and not gate(_press("b:1"))
    assert not gate(_press(None))
    assert _root_filters(router, "message") == []  # no message handlers: nothing to gate


def test_a_handler_the_gate_cannot_read_leaves_the_router_open() -> None:
    router = Router()
    router.callback_query.register(_noop, ACb.filter())
    router.callback_query.register(_noop, F.data == "other")
    router.message.register(_noop, Command("help"))
    router.message.register(_noop, StateFilter(None), F.text)
    gates.gate(router)
    assert _root_filters(router, "callback_query") == []
    assert _root_filters(router, "message") == []


def test_a_message_gate_lets_in_dialog_states_and_commands() -> None:
    router = Router()
    router.message.register(_noop, Dialog.one, F.text)
    router.message.register(_noop, StateFilter("Dialog:two"))
    router.message.register(_noop, StateFilter(Dialog))
    router.message.register(_noop, CommandStart())
    router.message.register(_noop, Command("pay", prefix="/!"))
    gates.gate(router)
    [gate] = _root_filters(router, "message")
    assert isinstance(gate, MessageGate)
    assert gate(_message("anything"), raw_state="Dialog:one")
    assert gate(_message("  /start x"), raw_state=None)
    assert gate(_message(caption="!pay"), raw_state=None)
    assert not gate(_message("instagram likes"), raw_state=None)
    assert not gate(_message(None), raw_state=None)


def test_a_state_that_is_none_or_any_is_no_requirement() -> None:
    for spec in (
        StateFilter(None),
        StateFilter("*"),
        State(state="*"),
        StateFilter(Dialog.one, None),
    ):
        router = Router()
        router.message.register(_noop, spec)
        gates.gate(router)
        assert _root_filters(router, "message") == []


def test_routers_with_sub_routers_are_not_gated_and_gating_happens_once() -> None:
    parent, child = Router(), Router()
    child.callback_query.register(_noop, ACb.filter())
    parent.callback_query.register(_noop, ACb.filter())
    parent.include_router(child)
    gates.gate(parent)
    gates.gate(child)
    gates.gate(child)
    assert _root_filters(parent, "callback_query") == []
    assert len(_root_filters(child, "callback_query")) == 1


def test_the_routers_tried_first_for_presses_own_their_callback_data(
    tmp_path: Any,
) -> None:
    """The catalog's and favourites' buttons are tried before the dialogs' routers
    (handlers/__init__.py): that changes nothing only while no other router takes their
    callback data (the shared menu prefix aside, whose actions differ per router)."""
    from bot.config import Settings
    from bot.handlers import get_routers

    settings = Settings(
        bot_token="1:x", panel_api_url="http://127.0.0.1/api", panel_api_key="k",
        admin_chat_id=-100, _env_file=None,
    )  # type: ignore[call-arg]  # fmt: skip
    private = get_routers(settings)[0]

    def unwrapped(callback: Any) -> Any:  # the app runs plain filters inline (gates.Inline)
        return callback.callback if isinstance(callback, gates.Inline) else callback

    starts = {
        r.name: set(unwrapped(f.callback).starts)
        for r in private.sub_routers
        for f in r.callback_query._handler.filters or []
        if isinstance(unwrapped(f.callback), CallbackGate)
    }
    first = {"catalog-browse", "favourites"}
    assert first <= set(starts)
    others = set().union(*(s for name, s in starts.items() if name not in first))
    for name in first:
        assert (starts[name] - {"m:"}) & others == set(), name


async def test_plain_filters_run_on_the_event_loop_with_the_same_results() -> None:
    """aiogram hands a filter that is not a coroutine function to a thread; after
    `inline_sync_filters` each runs on the loop's own thread, and what it returns (False,
    True, a dict of values for the handler) means what it meant."""
    import threading

    from aiogram import Bot, Dispatcher
    from aiogram.dispatcher.event.bases import UNHANDLED
    from aiogram.types import Update

    threads: list[int] = []

    def words(message: Message) -> dict[str, Any] | bool:
        threads.append(threading.get_ident())
        text = message.text or ""
        return {"words": text.split()} if " " in text else False

    async def two_words(message: Message, words: list[str]) -> str:
        return "two:" + words[1]

    async def plain(message: Message) -> str:
        return "plain:" + (message.text or "")

    router = Router()
    router.message.filter(F.chat.type == "private")
    router.message.register(two_words, words)
    router.message.register(plain, F.text)
    gates.gate(router)
    dp = Dispatcher()
    dp.include_router(router)
    assert gates.inline_sync_filters(dp) == 3  # the router's own, the function, F.text
    assert gates.inline_sync_filters(dp) == 0  # once

    async def feed(text: str, chat_type: str = "private") -> Any:
        update = Update.model_validate(
            {"update_id": 1, "message": {
                "message_id": 1, "date": 0, "text": text,
                "chat": {"id": 1, "type": chat_type},
                "from": {"id": 1, "is_bot": False, "first_name": "A"}}}
        )  # fmt: skip
        return await dp.feed_update(Bot("1:x"), update)

    assert await feed("hello there") == "two:there"
    assert await feed("hello") == "plain:hello"
    assert await feed("hello there", "group") is UNHANDLED  # the router's own filter
    assert threads and set(threads) == {threading.get_ident()}


async def test_no_filter_of_the_bot_is_left_to_a_thread(tmp_path: Any) -> None:
    """Every filter of the real dispatcher, the routers' own included, runs on the loop."""
    from bot.app import build_dispatcher
    from bot.config import Settings
    from bot.db import Database
    from bot.panel import PanelClient

    settings = Settings(
        bot_token="1:x", panel_api_url="http://127.0.0.1/api", panel_api_key="k",
        admin_chat_id=-100, _env_file=None,
    )  # type: ignore[call-arg]  # fmt: skip
    panel = PanelClient(settings.panel_api_url, "k")
    dp = build_dispatcher(settings, Database(tmp_path / "db.sqlite3"), panel)
    seen = 0

    def walk(router: Router) -> None:
        nonlocal seen
        for observer in router.observers.values():
            own = observer._handler.filters or []
            for flt in [*own, *(f for h in observer.handlers for f in h.filters or ())]:
                seen += 1
                assert flt.awaitable, (router.name, flt.callback)
        for sub in router.sub_routers:
            walk(sub)

    walk(dp)
    assert seen > 100
    await panel.close()
