"""The Bot API session keeps the response models it used alive across garbage collections."""

from __future__ import annotations

import gc
import json
import weakref

from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, Response, SendMessage

from bot.http_session import BotSession

TOKEN = "42:TEST"


def _message_answer() -> str:
    return json.dumps(
        {
            "ok": True,
            "result": {
                "message_id": 7,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "hi",
            },
        }
    )


async def test_response_models_survive_a_full_collection() -> None:
    session = BotSession()
    bot = Bot(TOKEN, session=session)
    try:
        method = SendMessage(chat_id=1, text="hi")
        answer = session.check_response(bot, method, 200, _message_answer())
        assert answer.result is not None and answer.result.message_id == 7
        model = weakref.ref(type(answer))
        del answer
        gc.collect()
        # the class is alive and pydantic's cache hands it out again: nothing is rebuilt
        assert model() is not None
        assert Response[SendMessage.__returning__] is model()  # type: ignore[name-defined]
        flag = session.check_response(
            bot, AnswerCallbackQuery(callback_query_id="1"), 200, '{"ok": true, "result": true}'
        )
        assert flag.result is True
    finally:
        await session.close()


def test_without_a_holder_pydantic_rebuilds_the_model() -> None:
    """What the session works around (if pydantic ever keeps these, the session's holder is
    no longer needed and this test says so)."""

    model = weakref.ref(Response[tuple[int, str, bytes]])  # a type nothing else uses
    gc.collect()
    assert model() is None
