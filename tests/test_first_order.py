"""A customer's first order (issue 11): support in the menu and where texts send people to
it, quantity buttons, /help, /orders and /balance, a summary without skipped steps, the
flood limit, and amounts and counts written the reader's way. Through the real dispatcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.keyboards.menu import MenuCb
from bot.keyboards.order_dialog import OrderNavCb, OrderQtyCb, OrderStartCb, quantity_choices
from bot.keyboards.payments import SupportCb
from bot.money import format_amount, format_number
from bot.ratelimit import FLOOD_LIMIT
from tests.conftest import add_user
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import Call, FakeTelegram
from tests.harness import ADMIN_CHAT, BotHarness
from tests.payments_shop import MICRO, balance, customer, pay_stars, payments_harness, stars_invoice

USER = 1001
LINK = "https://instagram.com/p/abc"
NBSP = "\xa0"  # CLDR's group separator for Russian, as Fluent writes counts too


@pytest.fixture
async def shop(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> AsyncIterator[BotHarness]:
    h = BotHarness(
        tmp_path, fake_tg, fake_panel, support_contact="@shop_help", database=database_target
    )
    await h.start()
    try:
        await add_user(h.db, USER, balance=100_000_000)
        yield h
    finally:
        await h.stop()


def last(calls: list[Call]) -> Call:
    for call in reversed(calls):
        if call.text is not None and call.ok:
            return call
    raise AssertionError(f"no message in {[c.method for c in calls]}")


# --------------------------------------------------------------------------- 1. support


@pytest.mark.parametrize(
    ("lang", "entry", "intro"), [("en", "💬 Support", "Send me one message"),
                                 ("ru", "💬 Поддержка", "Пришлите сейчас одно сообщение")],
)  # fmt: skip
async def test_support_entry_in_the_main_menu(
    shop: BotHarness, lang: str, entry: str, intro: str
) -> None:
    calls = await shop.send("/start", USER, language_code=lang)
    assert (entry, MenuCb(action="support").pack()) in shop.buttons(last(calls))
    screen = last(await shop.press(MenuCb(action="support"), USER, language_code=lang))
    assert intro in (screen.text or "") and "@shop_help" in (screen.text or "")
    calls = await shop.send("Where is my order?", USER, language_code=lang)
    posted = [c for c in calls if c.chat_id == ADMIN_CHAT and c.ok]
    assert posted and "Where is my order?" in (posted[0].text or "")


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_banned_customer_is_shown_the_contact_and_can_still_write(
    shop: BotHarness, lang: str
) -> None:
    await shop.send("/start", USER, language_code=lang)
    await shop.db.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
    notice = last(await shop.send("/start", USER, language_code=lang))
    assert "@shop_help" in (notice.text or "")
    assert shop.buttons(notice) == [(notice_button(lang), SupportCb(topic="general").pack())]
    # the catalog stays closed; the way to the operators does not
    closed = await shop.press(MenuCb(action="catalog"), USER, language_code=lang)
    assert [c.method for c in closed] == ["answerCallbackQuery"]
    await shop.press(SupportCb(topic="general"), USER, language_code=lang)
    calls = await shop.send("Why was I banned?", USER, language_code=lang)
    assert any(c.chat_id == ADMIN_CHAT and "Why was I banned?" in (c.text or "") for c in calls)


def notice_button(lang: str) -> str:
    return "💬 Write to support" if lang == "en" else "💬 Написать в поддержку"


async def test_without_a_contact_the_texts_do_not_name_one(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    h = BotHarness(tmp_path, fake_tg, fake_panel, database=database_target)
    await h.start()
    try:
        await h.send("/start", USER)
        await h.db.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
        notice = last(await h.send("/start", USER))
        assert notice.text == "Your access to this shop has been suspended. Please contact support."
    finally:
        await h.stop()


# --------------------------------------------------------------------------- 2. quantity


def test_quantity_choices_stay_within_the_limits() -> None:
    assert quantity_choices(10, 10_000) == [10, 20, 100, 1000, 5000, 10_000]
    assert quantity_choices(50, 100) == [50, 100]
    assert quantity_choices(100, 100) == [100]
    assert quantity_choices(1, 1_000_000)[0] == 1 and quantity_choices(1, 1_000_000)[-1] == 10**6
    for low, high in ((1, 7), (10, 10_000), (250, 333_333), (1, 10**9)):
        picks = quantity_choices(low, high)
        assert picks == sorted(set(picks)) and len(picks) <= 6
        assert all(low <= q <= high for q in picks)


@pytest.mark.parametrize(("lang", "label"), [("en", "1,000"), ("ru", f"1{NBSP}000")])
async def test_quantity_buttons_answer_the_step(shop: BotHarness, lang: str, label: str) -> None:
    await shop.press(OrderStartCb(service_id="1"), USER, language_code=lang)
    calls = await shop.send(LINK, USER, language_code=lang)
    buttons = shop.buttons(last(calls))
    assert buttons[:6] == [
        (format_number(q, lang), OrderQtyCb(quantity=q, dialog=dialog_of(buttons)).pack())
        for q in (10, 20, 100, 1000, 5000, 10_000)
    ]
    assert (label, OrderQtyCb(quantity=1000, dialog=dialog_of(buttons)).pack()) in buttons
    calls = await shop.press(OrderQtyCb(quantity=1000, dialog=dialog_of(buttons)), USER,
                             language_code=lang)  # fmt: skip
    # on to drip-feed: the quantity was taken
    assert "runs" in (last(calls).text or "") or "запусков" in (last(calls).text or "")


def dialog_of(buttons: list[tuple[str, str]]) -> str:
    cancel = next(d for _, d in buttons if d.startswith("od:cancel"))
    return OrderNavCb.unpack(cancel).dialog


async def test_a_forged_quantity_is_checked_against_the_service(shop: BotHarness) -> None:
    await shop.press(OrderStartCb(service_id="1"), USER)
    buttons = shop.buttons(last(await shop.send(LINK, USER)))
    dialog = dialog_of(buttons)
    calls = await shop.press(OrderQtyCb(quantity=10_001, dialog=dialog), USER)
    text = last(calls).text or ""
    assert "The quantity must be from 10 to 10,000" in text
    calls = await shop.press(OrderQtyCb(quantity=0, dialog=dialog), USER)
    assert "⚠️ Please send a number greater than zero" in (last(calls).text or "")
    assert (await shop.db.fetchval("SELECT COUNT(*) FROM orders")) == 0
    assert shop.errors == []


# --------------------------------------------------------------------------- 3. commands


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("This shop sells", "/orders", "/balance", "/paysupport", "/cancel")),
     ("ru", ("Здесь продаётся", "/orders", "/balance", "/paysupport", "/cancel"))],
)  # fmt: skip
async def test_help_explains_and_lists_every_command(
    shop: BotHarness, lang: str, words: tuple[str, ...]
) -> None:
    from bot.commands import PRIVATE_MENU

    text = last(await shop.send("/help", USER, language_code=lang)).text or ""
    for word in words:
        assert word in text
    for command in PRIVATE_MENU:
        assert f"/{command.name} " in text, command.name


async def test_orders_and_balance_commands_open_the_menu_screens(shop: BotHarness) -> None:
    await shop.send("/start", USER)
    by_button = last(await shop.press(MenuCb(action="balance"), USER))
    by_command = last(await shop.send("/balance", USER))
    assert by_command.text == by_button.text and "100.00 USD" in (by_command.text or "")
    assert shop.buttons(by_command) == shop.buttons(by_button)
    by_button = last(await shop.press(MenuCb(action="orders"), USER))
    by_command = last(await shop.send("/orders", USER))
    assert by_command.text == by_button.text
    # mid-dialog too: not taken for an answer
    await shop.press(OrderStartCb(service_id="1"), USER)
    assert last(await shop.send("/orders", USER)).text == by_button.text


# --------------------------------------------------------------------------- 4, 7. summary


@pytest.mark.parametrize(
    ("lang", "lines", "absent"),
    [("en", ("🔢 Quantity: 1,000", "0.90 USD", "100.00 USD", "99.10 USD"), "🔁"),
     ("ru", (f"🔢 Количество: 1{NBSP}000", "0,90 USD", "100,00 USD", "99,10 USD"), "🔁")],
)  # fmt: skip
async def test_summary_leaves_out_skipped_drip_feed_and_writes_numbers_by_locale(
    shop: BotHarness, lang: str, lines: tuple[str, ...], absent: str
) -> None:
    await shop.press(OrderStartCb(service_id="1"), USER, language_code=lang)
    await shop.send(LINK, USER, language_code=lang)
    await shop.send("1000", USER, language_code=lang)
    text = last(await shop.press(OrderNavCb(action="skip"), USER, language_code=lang)).text
    assert text is not None
    for line in lines:
        assert line in text, (line, text)
    assert absent not in text and "—" not in text


def test_amounts_by_locale() -> None:
    assert format_amount(900_000, "USD", "ru") == "0,90 USD"
    assert format_amount(1_234_500_000, "USD", "ru") == f"1{NBSP}234,50 USD"
    assert format_amount(1_234_500_000, "USD", "en") == "1,234.50 USD"
    assert format_amount(36_000, "USD") == "0.036 USD"
    assert format_amount(5, "", "ru") == "0,000005"


# --------------------------------------------------------------------------- 5. flood


@pytest.mark.parametrize(("lang", "words"), [("en", "slow down"), ("ru", "помедленнее")])
async def test_a_flood_is_answered_once_then_ignored_until_the_window_passes(
    shop: BotHarness, lang: str, words: str
) -> None:
    now = [100.0]
    shop.dp["flood"].clock = lambda: now[0]
    answered = []
    for _ in range(FLOOD_LIMIT):
        answered.append(await shop.send("/help", USER, language_code=lang))
    assert all(any(c.text and "/orders" in c.text for c in calls) for calls in answered)
    warned = await shop.send("/help", USER, language_code=lang)
    assert [c.text for c in warned if c.text] and words in (last(warned).text or "")
    for _ in range(5):
        assert await shop.send("/help", USER, language_code=lang) == []
        assert await shop.press(MenuCb(action="help"), USER, language_code=lang) == []
    # another customer is not held back
    assert await shop.send("/help", USER + 1, language_code=lang) != []
    now[0] += 10.5
    assert "/orders" in (last(await shop.send("/help", USER, language_code=lang)).text or "")


async def test_payments_and_the_admin_group_are_never_held_back(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    shop = payments_harness(tmp_path, fake_tg, fake_panel, database=database_target)
    await shop.start()
    try:
        await _flood_then_pay(shop)
    finally:
        await shop.stop()


async def _flood_then_pay(shop: BotHarness) -> None:
    now = [100.0]
    shop.dp["flood"].clock = lambda: now[0]
    await customer(shop)
    await stars_invoice(shop, 10 * MICRO)
    for _ in range(FLOOD_LIMIT):
        await shop.send("/help", USER)
    assert await shop.send("/help", USER) == []
    # muted, and yet the payment is answered and credited
    answer, _ = await pay_stars(shop)
    assert answer["ok"]
    assert await balance(shop) == 10 * MICRO
    # the operators' group: far past the limit, every command answered
    for _ in range(FLOOD_LIMIT + 5):
        assert await shop.admin("/help") != []


# --------------------------------------------------------------------------- 6. wording


def _ftl(lang: str) -> str:
    root = Path(__file__).parent.parent / "locales" / lang
    return "\n".join(p.read_text("utf-8") for p in sorted(root.glob("*.ftl")))


def test_russian_wording() -> None:
    ru = _ftl("ru")
    for wrong in ("не подходящ", "Постепенная накрутка", "drip-feed", "} вернулись",
                  "больше чем", "меньше чем"):  # fmt: skip
        assert wrong not in ru, wrong
    assert "На баланс возвращено { $refund }" in ru


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_one_word_and_arrow_for_next_previous_and_back(lang: str) -> None:
    from fluent.syntax import FluentParser, ast

    texts: dict[str, str] = {}
    for entry in FluentParser().parse(_ftl(lang)).body:
        if isinstance(entry, ast.Message) and entry.value is not None:
            texts[entry.id.name] = "".join(
                e.value for e in entry.value.elements if isinstance(e, ast.TextElement)
            )
    assert texts["catalog-prev"] == texts["orders-button-prev"]
    assert texts["catalog-next"] == texts["orders-button-next"]
    backs = {texts[k] for k in ("catalog-back", "order-back", "payments-button-back")}
    assert len(backs) == 1
    assert texts["catalog-prev"] not in backs  # "previous page" is not "go back"
    assert texts["catalog-prev"].split()[0] != next(iter(backs)).split()[0]  # nor its arrow


async def test_a_refused_payment_of_a_banned_customer_names_the_contact(
    tmp_path: Path, database_target: Path | str, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    """Telegram's payment screen has no buttons: the reason names SUPPORT_CONTACT."""
    shop = payments_harness(
        tmp_path, fake_tg, fake_panel, support_contact="@shop_help", database=database_target
    )
    await shop.start()
    try:
        await customer(shop)
        await stars_invoice(shop, 10 * MICRO)
        await shop.db.execute("UPDATE users SET is_banned = 1 WHERE id = ?", (USER,))
        query = shop.tg.make_pre_checkout_query(user_id=USER)
        await shop.tg.feed(shop.dp, shop.bot, shop.tg.make_update(pre_checkout_query=query))
        answer = shop.tg.pre_checkout_answers[query["id"]]
        assert not answer["ok"]
        assert answer["error_message"] == (
            "Your account cannot top up. Please contact support. You can also write to @shop_help."
        )
    finally:
        await shop.stop()
