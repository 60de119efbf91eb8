"""The fake Bot API server works with a real aiogram Bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
    SuccessfulPayment,
    TransactionPartnerUser,
)

from tests.fakes.telegram import FakeTelegram, as_update


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    yield bot
    await bot.session.close()


def kb(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def test_get_me(tg: FakeTelegram, bot: Bot) -> None:
    assert tg.url.startswith("http://127.0.0.1:")
    me = await bot.get_me()
    assert me.username == "test_shop_bot"
    assert me.id == 123456 and me.is_bot
    assert [c.method for c in tg.calls] == ["getMe"]


async def test_send_message_recorded_and_markup_decoded(tg: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(42, "hello world", reply_markup=kb(("Buy", "buy:1")))
    assert isinstance(msg, Message)
    assert msg.chat.id == 42 and msg.chat.type == "private"
    assert msg.text == "hello world"
    assert msg.from_user is not None and msg.from_user.id == 123456
    assert msg.reply_markup is not None
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "buy:1"

    msg2 = await bot.send_message(42, "123")
    assert msg2.message_id == msg.message_id + 1

    [call, call2] = tg.sent_messages(42)
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}]]
    }
    assert call2.params["text"] == "123"  # a numeric text stays a string
    assert tg.last_text(42) == "123"
    assert tg.delivered[42] == 2
    assert tg.sent_messages(7) == []
    with pytest.raises(AssertionError):
        tg.last_text(7)

    edited = await bot.edit_message_text("edited", chat_id=42, message_id=msg.message_id)
    assert isinstance(edited, Message) and edited.text == "edited"
    assert tg.last_text(42) == "edited"
    assert tg.message(42, msg.message_id)["text"] == "edited"

    copied = await bot.copy_message(43, from_chat_id=42, message_id=msg2.message_id)
    assert copied.message_id == 1
    assert tg.last_text(43) == "123"

    tg.clear()
    assert tg.calls == [] and not tg.delivered


async def test_misc_methods(tg: FakeTelegram, bot: Bot) -> None:
    from aiogram.types import BotCommand

    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert tg.calls_of("setMyCommands")[0].params["commands"] == [
        {"command": "start", "description": "Start"}
    ]
    assert tg.commands == [{"command": "start", "description": "Start"}]
    assert await bot.answer_callback_query("cb1", text="ok")
    tg.set_admins(-100500, [7, 8], owner=1)
    assert isinstance(await bot.get_chat_member(-100500, 1), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(-100500, 7), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(-100500, 99), ChatMemberMember)
    # methods the bot never calls are not modelled: they answer true and are recorded
    assert await bot.pin_chat_message(42, 1)
    assert await bot.delete_message(42, 1)
    assert tg.calls_of("pinChatMessage") and tg.calls_of("deleteMessage")


async def test_validation_errors(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(42, "😀" * 2049)  # UTF-16 units, as Telegram counts
    with pytest.raises(TelegramBadRequest, match="empty"):
        await bot.send_message(42, "  ")
    bad = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="y" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(42, "hi", reply_markup=bad)
    assert not tg.sent_messages(42)
    assert len(tg.sent_messages(42, include_failed=True)) == 4
    await bot.send_message(42, "😀" * 2048)


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    bad = Bot("999:WRONG", session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bad.get_me()
    finally:
        await bad.session.close()
    assert tg.calls[0].error_code == 401


async def test_blocked_chat_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    tg.blocked_chats.add(42)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(42, "hi")
    assert tg.delivered[42] == 0
    assert tg.calls_of("sendMessage")[0].error_code == 403
    await bot.send_message(43, "hi")


async def test_fail_next_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", 429, retry_after=3, count=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as exc:
            await bot.send_message(42, "hi")
        assert exc.value.retry_after == 3
    await bot.send_message(42, "hi")  # third call passes
    tg.fail_next("getMe", 500, "Internal Server Error")
    with pytest.raises(Exception, match="Internal"):
        await bot.get_me()


async def test_enforce_limits_same_chat(tg: FakeTelegram, bot: Bot) -> None:
    tg.enforce_limits = True
    await bot.send_message(42, "one")
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(42, "two")
    assert 1 <= exc.value.retry_after <= 3
    assert tg.rejected_429 == 1
    await bot.edit_message_text("edits are not limited", chat_id=42, message_id=1)
    await bot.send_message(43, "another chat is fine")
    assert tg.delivered == {42: 1, 43: 1}


async def test_enforce_limits_global_and_group(tg: FakeTelegram, bot: Bot) -> None:
    tg.enforce_limits = True
    results = await asyncio.gather(
        *(bot.send_message(1000 + i, "x") for i in range(31)), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], TelegramRetryAfter)
    assert tg.rejected_429 == 1 and sum(tg.delivered.values()) == 30

    # groups: 20 per minute (test the window logic directly; global window is full now)
    tg.limit_global_per_second = 10_000
    for _ in range(20):
        await bot.send_message(-100777, "g")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(-100777, "g")


async def test_get_updates_long_poll_and_offset(tg: FakeTelegram, bot: Bot) -> None:
    # empty queue: short long-poll returns [] after ~timeout
    t0 = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - t0 < 2

    async def push_later() -> int:
        await asyncio.sleep(0.2)
        return tg.push_update(tg.make_update(message=tg.make_message("/start", user_id=42)))

    t0 = time.monotonic()
    pusher = asyncio.create_task(push_later())
    updates = await bot.get_updates(timeout=10)
    assert time.monotonic() - t0 < 2  # woke up on push, not after 10 s
    uid = await pusher
    assert [u.update_id for u in updates] == [uid]
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert updates[0].message.from_user.language_code == "en"

    # not confirmed -> delivered again; confirmed with offset -> gone
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [uid]
    uid2 = tg.push_update({"message": tg.make_message("second", user_id=42)})
    assert uid2 == uid + 1
    again = await bot.get_updates(offset=uid + 1, timeout=0)
    assert [u.update_id for u in again] == [uid2]
    assert await bot.get_updates(offset=uid2 + 1, timeout=0) == []
    assert tg.pending_updates == 0

    # limit and allowed_updates
    for i in range(3):
        tg.push_update({"message": tg.make_message(f"m{i}")})
    tg.push_update({"callback_query": tg.make_callback("buy:1")})
    assert len(await bot.get_updates(limit=2, timeout=0)) == 2
    only_cb = await bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    assert [u.callback_query.data for u in only_cb] == ["buy:1"]


async def test_wait_for(tg: FakeTelegram, bot: Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(5, "a")
        await bot.send_message(5, "b")

    task = asyncio.create_task(later())
    calls = await tg.wait_for("sendMessage", count=2, timeout=3)
    assert [c.params["text"] for c in calls] == ["a", "b"]
    await task
    got = await tg.wait_for("sendMessage", predicate=lambda c: c.params["text"] == "b")
    assert len(got) == 1
    with pytest.raises(AssertionError, match="expected 1 getMe"):
        await tg.wait_for("getMe", timeout=0.1)


async def test_dispatcher_feed_update(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Welcome!", reply_markup=kb(("Catalog", "catalog")))

    @router.callback_query(F.data == "catalog")
    async def catalog(query: CallbackQuery) -> None:
        await query.answer()
        assert query.message is not None
        await query.message.edit_text("Catalog: ...")

    dp = Dispatcher()
    dp.include_router(router)

    await tg.feed(dp, bot, tg.make_message("/start", user_id=42))
    assert tg.last_text(42) == "Welcome!"
    sent = tg.sent_messages(42)[-1]
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "catalog"

    # callback on the bot's last message in that chat
    update = tg.make_update(callback_query=tg.make_callback("catalog", user_id=42))
    await dp.feed_update(bot, as_update(update, bot))
    assert tg.calls_of("answerCallbackQuery")
    assert tg.last_text(42) == "Catalog: ..."
    edit = tg.calls_of("editMessageText")[-1]
    assert edit.params["message_id"] == sent.result["message_id"]


# --------------------------------------------------------------------------- payments


def _stars_price(amount: int) -> list[LabeledPrice]:
    return [LabeledPrice(label="Top-up", amount=amount)]


async def test_send_invoice_in_stars(tg: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_invoice(
        42,
        title="Top-up 1.00 USD",
        description="Balance top-up",
        payload="topup:1:1000000:13000",
        currency="XTR",
        prices=_stars_price(77),
        start_parameter="topup",
    )
    assert isinstance(msg, Message) and msg.invoice is not None
    assert msg.invoice.currency == "XTR" and msg.invoice.total_amount == 77
    assert msg.invoice.title == "Top-up 1.00 USD" and msg.invoice.start_parameter == "topup"
    [sent] = tg.invoices(42)
    assert sent["payload"] == "topup:1:1000000:13000"  # a payload stays a string
    assert sent["prices"] == [{"label": "Top-up", "amount": 77}]
    assert tg.last_invoice(42) is sent
    assert tg.delivered[42] == 1  # an invoice is a message like any other
    with pytest.raises(AssertionError):
        tg.last_invoice(43)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"provider_token": "123:TEST:abc"}, "PAYMENT_PROVIDER_INVALID"),
        (
            {"prices": [LabeledPrice(label="a", amount=5), LabeledPrice(label="b", amount=5)]},
            "one price",
        ),
        ({"prices": [LabeledPrice(label="a", amount=0)]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"prices": [LabeledPrice(label="a", amount=10_001)]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"max_tip_amount": 5}, "tips"),
        ({"payload": "x" * 129}, "INVOICE_PAYLOAD_INVALID"),
        ({"title": "t" * 33}, "title"),
        ({"description": ""}, "description"),
        ({"currency": "USD"}, "PAYMENT_PROVIDER_INVALID"),  # real money needs a provider
    ],
)
async def test_send_invoice_refused_like_telegram(
    tg: FakeTelegram, bot: Bot, change: dict[str, object], error: str
) -> None:
    args: dict[str, object] = {
        "chat_id": 42,
        "title": "Top-up",
        "description": "Balance top-up",
        "payload": "topup:1:1:1",
        "currency": "XTR",
        "prices": _stars_price(10),
    }
    args.update(change)
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_invoice(**args)  # type: ignore[arg-type]
    assert tg.invoices() == [] and tg.delivered[42] == 0


async def test_pre_checkout_answered_once_and_in_time(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()
    seen: list[PreCheckoutQuery] = []

    @router.pre_checkout_query()
    async def on_query(query: PreCheckoutQuery) -> None:
        seen.append(query)
        await query.answer(ok=True)

    dp = Dispatcher()
    dp.include_router(router)
    await bot.send_invoice(
        42, "Top-up", "d", "topup:9:5000000:13000", currency="XTR", prices=_stars_price(385)
    )
    query = tg.make_pre_checkout_query(user_id=42)  # amount and payload of the last invoice
    await tg.feed(dp, bot, query)
    [got] = seen
    assert got.total_amount == 385 and got.invoice_payload == "topup:9:5000000:13000"
    assert got.currency == "XTR" and got.from_user.id == 42
    answer = tg.pre_checkout_answers[query["id"]]
    assert answer["ok"] is True and answer["after"] < 10

    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query["id"], ok=True)  # a second answer
    with pytest.raises(TelegramBadRequest, match="QUERY_ID_INVALID"):
        await bot.answer_pre_checkout_query("never-sent", ok=True)

    late = tg.make_pre_checkout_query(100, "topup:1:1:1", user_id=42)
    tg.pre_checkout_timeout = 0.05
    await asyncio.sleep(0.1)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(late["id"], ok=True)
    assert late["id"] not in tg.pre_checkout_answers

    refused = tg.make_pre_checkout_query(100, "topup:1:1:1", user_id=42)
    tg.pre_checkout_timeout = 10
    with pytest.raises(TelegramBadRequest, match="ERROR_MESSAGE_EMPTY"):
        await bot.answer_pre_checkout_query(refused["id"], ok=False)
    await bot.answer_pre_checkout_query(refused["id"], ok=False, error_message="Stale invoice")
    assert tg.pre_checkout_answers[refused["id"]]["error_message"] == "Stale invoice"


async def test_successful_payment_reaches_the_dispatcher(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()
    payments: list[SuccessfulPayment] = []

    @router.message(F.successful_payment)
    async def on_paid(message: Message) -> None:
        assert message.successful_payment is not None
        payments.append(message.successful_payment)

    dp = Dispatcher()
    dp.include_router(router)
    await bot.send_invoice(42, "Top-up", "d", "topup:3:1000000:13000", "XTR", _stars_price(77))
    paid = tg.make_successful_payment(user_id=42, charge_id="stxABC")
    await tg.feed(dp, bot, paid)
    await tg.feed(dp, bot, paid)  # Telegram may deliver it again
    assert [p.telegram_payment_charge_id for p in payments] == ["stxABC", "stxABC"]
    assert payments[0].total_amount == 77 and payments[0].currency == "XTR"
    assert payments[0].invoice_payload == "topup:3:1000000:13000"
    assert [t["id"] for t in tg.star_transactions] == ["stxABC"]  # one payment, not two


async def test_refund_star_payment(tg: FakeTelegram, bot: Bot) -> None:
    charge = tg.add_star_transaction(77, "topup:3:1000000:13000", user_id=42)
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(43, charge)  # someone else's payment
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(42, "stxNope")
    assert await bot.refund_star_payment(42, charge) is True
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(42, charge)
    assert tg.refunded_charges == {charge}
    history = (await bot.get_star_transactions()).transactions
    assert [t.id for t in history] == [charge, charge]  # a refund keeps the payment's id
    incoming, outgoing = history
    assert isinstance(incoming.source, TransactionPartnerUser) and incoming.receiver is None
    assert isinstance(outgoing.receiver, TransactionPartnerUser) and outgoing.source is None
    assert outgoing.amount == 77 and outgoing.receiver.user.id == 42


async def test_star_transactions_paged_oldest_first(tg: FakeTelegram, bot: Bot) -> None:
    charges = [
        tg.add_star_transaction(10 + i, f"topup:{i + 1}:1:1", user_id=40 + i, date=1000 + i)
        for i in range(5)
    ]
    with pytest.raises(ValueError):
        tg.add_star_transaction(1, "x", charge_id=charges[0])
    page = (await bot.get_star_transactions(offset=0, limit=2)).transactions
    rest = (await bot.get_star_transactions(offset=2)).transactions
    assert [t.id for t in page + rest] == charges
    first = page[0]
    assert first.amount == 10 and int(first.date.timestamp()) == 1000
    assert isinstance(first.source, TransactionPartnerUser)
    assert first.source.transaction_type == "invoice_payment"
    assert first.source.user.id == 40 and first.source.invoice_payload == "topup:1:1:1"
    assert (await bot.get_star_transactions(offset=5)).transactions == []
    with pytest.raises(TelegramBadRequest):
        await bot.get_star_transactions(limit=101)


async def test_answer_inline_query_limits(tg: FakeTelegram, bot: Bot) -> None:
    def article(n: int) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            id=f"r{n}", title="t", input_message_content=InputTextMessageContent(message_text="x")
        )

    assert await bot.answer_inline_query("q1", [article(n) for n in range(50)], next_offset="1")
    [call] = tg.calls_of("answerInlineQuery")
    assert call.params["next_offset"] == "1"  # a string, as sent
    assert len(call.params["results"]) == 50
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query("q1", [])  # answered once
    with pytest.raises(TelegramBadRequest, match="RESULTS_TOO_MUCH"):
        await bot.answer_inline_query("q2", [article(n) for n in range(51)])
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_INVALID"):
        await bot.answer_inline_query("q3", [article(1), article(1)])
