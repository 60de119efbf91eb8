"""A shop that takes payments, driven through the real dispatcher: the harness with Stars
(STARS_RATE) and Crypto Pay (a fake Crypto Pay API) on, and helpers the payment tests share."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.keyboards.menu import MenuCb
from bot.keyboards.payments import TopupCb
from bot.money import localize_params
from bot.payments.stars import parse_payload
from tests.fakes.cryptopay import FakeCryptoPay
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import BotHarness

USER = 1001
MICRO = 1_000_000
RATE = Decimal("0.013")  # 1 Star = 0.013 USD: 10 USD = 769.23 -> 770 Stars


def payments_harness(
    tmp_path: Path,
    tg: FakeTelegram,
    panel: FakePanel,
    cp: FakeCryptoPay | None = None,
    **overrides: Any,
) -> BotHarness:
    values: dict[str, Any] = {"stars_rate": RATE, "topup_max": Decimal(500)}
    if cp is not None:
        values.update(crypto_pay_token=cp.token, crypto_pay_api_url=cp.url)
    values.update(overrides)
    return BotHarness(tmp_path, tg, panel, **values)


def shown(calls: list[Call]) -> Call:
    """The last screen a step showed (an edit or a new message)."""
    found = [c for c in calls if c.method in {"editMessageText", "sendMessage"} and c.ok]
    assert found, [(c.method, c.description) for c in calls]
    return found[-1]


def alerts(calls: list[Call]) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in calls
        if c.method == "answerCallbackQuery" and c.params.get("text")
    ]


async def customer(h: BotHarness, user_id: int = USER, lang: str = "en") -> None:
    await h.send("/start", user_id, language_code=lang)


async def stars_invoice(
    h: BotHarness, amount: int, user_id: int = USER, lang: str = "en"
) -> dict[str, Any]:
    """Balance -> Top up -> an amount -> Stars: the sendInvoice parameters."""
    await h.press(TopupCb(action="amount", amount=amount), user_id, language_code=lang)
    calls = await h.press(TopupCb(action="stars", amount=amount), user_id, language_code=lang)
    invoices = [c for c in calls if c.method == "sendInvoice"]
    assert len(invoices) == 1 and invoices[0].ok, [(c.method, c.description) for c in calls]
    return invoices[0].params


def payment_id_of(invoice: dict[str, Any]) -> int:
    parsed = parse_payload(invoice["payload"])
    assert parsed is not None
    return parsed.payment_id


async def pay_stars(
    h: BotHarness, user_id: int = USER, charge_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The customer presses Pay on the last invoice: the pre-checkout answer, then the
    successful_payment update. Returns (the answer, the successful_payment message)."""
    query = h.tg.make_pre_checkout_query(user_id=user_id)
    await h.tg.feed(h.dp, h.bot, h.tg.make_update(pre_checkout_query=query))
    answer = h.tg.pre_checkout_answers[query["id"]]
    assert answer["ok"], answer
    paid = h.tg.make_successful_payment(user_id=user_id, charge_id=charge_id)
    await h.tg.feed(h.dp, h.bot, h.tg.make_update(message=paid))
    return answer, paid


async def pre_checkout(
    h: BotHarness, user_id: int = USER, lang: str = "en", **kwargs: Any
) -> dict[str, Any]:
    query = h.tg.make_pre_checkout_query(user_id=user_id, language_code=lang, **kwargs)
    await h.tg.feed(h.dp, h.bot, h.tg.make_update(pre_checkout_query=query))
    return h.tg.pre_checkout_answers[query["id"]]


async def balance(h: BotHarness, user_id: int = USER) -> int:
    return int(await h.db.fetchval("SELECT balance FROM users WHERE id = ?", (user_id,)))


async def ledger(h: BotHarness, user_id: int = USER) -> list[tuple[str, int, str]]:
    rows = await h.db.fetchall(
        "SELECT ref, amount, kind FROM ledger WHERE user_id = ? ORDER BY id", (user_id,)
    )
    return [(r["ref"], int(r["amount"]), r["kind"]) for r in rows]


async def outbox(h: BotHarness, chat_id: int, key: str, lang: str = "en") -> list[dict[str, Any]]:
    """The parameters of queued messages, amounts written as `lang` reads them."""
    rows = await h.db.fetchall(
        "SELECT params FROM outbox WHERE chat_id = ? AND key = ? ORDER BY id", (chat_id, key)
    )
    return [localize_params(json.loads(r["params"]), lang) for r in rows]


async def balance_screen(h: BotHarness, user_id: int = USER, lang: str = "en") -> Call:
    return shown(await h.press(MenuCb(action="balance"), user_id, language_code=lang))


async def run_for(
    factory: Callable[[], Awaitable[None]], until: Callable[[], Awaitable[bool]], timeout: float
) -> None:
    """Run a supervised task (as the Supervisor would) until `until()` holds, then stop it."""
    task = asyncio.ensure_future(factory())
    try:
        async with asyncio.timeout(timeout):
            while not await until():
                assert not task.done(), task
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
