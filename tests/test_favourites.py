"""Favourites (issue 16) through the real dispatcher: the star on the service card, the
paged list in the main menu and /favourites, and a service that left the catalog."""

from __future__ import annotations

import pytest

from bot.keyboards.catalog import FavCb, SvcCb
from bot.keyboards.menu import MenuCb
from bot.keyboards.order_dialog import OrderStartCb
from bot.services import catalog, favourites
from bot.states import OrderDialog
from tests.fakes.telegram import Call
from tests.harness import BotHarness
from tests.helpers import add_user, assert_clean, last_shown
from tests.test_order_dialog import LINK, state_of

USER = 1001


@pytest.fixture
async def h(harness: BotHarness) -> BotHarness:
    await add_user(harness.db, USER)
    return harness


def shown_buttons(h: BotHarness, calls: list[Call]) -> list[tuple[str, str]]:
    return h.buttons(last_shown(calls))


def text_of(calls: list[Call]) -> str:
    """The text of the last message shown (not a button's answer)."""
    return last_shown(calls).text or ""


def callback_text(calls: list[Call]) -> str | None:
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    return answer.params.get("text")


async def stored(h: BotHarness) -> list[str]:
    rows = await h.db.fetchall(
        "SELECT service_id FROM favourites WHERE user_id = ? ORDER BY service_id", (USER,)
    )
    return [str(r["service_id"]) for r in rows]


async def test_main_menu_and_commands_list_favourites(h: BotHarness) -> None:
    calls = await h.send("/start")
    assert ("⭐ Favourites", "m:favourites") in shown_buttons(h, calls)
    calls = await h.send("/favourites")
    assert "You have no favourites yet" in text_of(calls)


async def test_star_adds_and_removes(h: BotHarness) -> None:
    calls = await h.press(SvcCb(service_id="2"))
    add = ("☆ Add to favourites", FavCb(action="add", service_id="2").pack())
    assert add in shown_buttons(h, calls)

    calls = await h.press(add[1])
    assert_clean(h, calls)
    assert callback_text(calls) == "Added to favourites."
    remove = ("⭐ Remove from favourites", FavCb(action="remove", service_id="2").pack())
    assert remove in shown_buttons(h, calls)
    assert "IG Likes" in text_of(calls)  # still the card
    assert await stored(h) == ["2"]
    # a repeated press of the old star keeps what it says: still a favourite, one row
    await h.press(add[1])
    assert await stored(h) == ["2"]

    calls = await h.press(MenuCb(action="favourites"))
    assert "Your favourite services (1)" in text_of(calls)
    [(text, data)] = [b for b in shown_buttons(h, calls) if b[1].startswith("fv:card")]
    assert text == "IG Likes — 0.036 USD / 1000"

    calls = await h.press(data)  # the card from the list: Back leads to the list
    assert ("⬅️ Back", FavCb(action="list").pack()) in shown_buttons(h, calls)
    star = next(d for _, d in shown_buttons(h, calls) if d.startswith("fv:remove"))
    calls = await h.press(star)
    assert callback_text(calls) == "Removed from favourites."
    assert await stored(h) == []
    calls = await h.press(MenuCb(action="favourites"))
    assert "You have no favourites yet" in text_of(calls)


async def test_the_list_is_paged(h: BotHarness) -> None:
    for sid in [str(i) for i in range(1, 13)]:  # 12 favourites: 10 + 2
        assert await favourites.set_favourite(h.db, USER, sid, True)
    calls = await h.press(MenuCb(action="favourites"))
    assert "(12)" in text_of(calls)
    buttons = shown_buttons(h, calls)
    assert len([b for b in buttons if b[1].startswith("fv:card")]) == 10
    assert ("1 / 2", "cnop") in buttons
    assert ("Next ▶️", FavCb(action="list", page=1).pack()) in buttons
    calls = await h.press(FavCb(action="list", page=1))
    buttons = shown_buttons(h, calls)
    assert len([b for b in buttons if b[1].startswith("fv:card")]) == 2
    assert ("2 / 2", "cnop") in buttons
    # a stale page number shows the last page
    await h.press(FavCb(action="list", page=0))
    calls = await h.press(FavCb(action="list", page=9))
    assert ("2 / 2", "cnop") in shown_buttons(h, calls)


async def test_a_vanished_service_stays_listed_as_unavailable(h: BotHarness) -> None:
    await h.press(FavCb(action="add", service_id="2"))
    await h.press(FavCb(action="add", service_id="17"))
    h.fake_panel.services = [s for s in h.fake_panel.services if s["service"] != "2"]
    await catalog.sync(h.db, h.panel)

    calls = await h.press(MenuCb(action="favourites"))
    assert "(2)" in text_of(calls)
    assert "no longer available" in text_of(calls)
    texts = [t for t, d in shown_buttons(h, calls) if d.startswith("fv:card")]
    assert "🚫 IG Likes · unavailable" in texts
    assert any(t.startswith("TG Members") for t in texts)

    card = FavCb(action="card", service_id="2", from_list=True).pack()
    calls = await h.press(card)
    assert "not available at the moment" in text_of(calls)
    buttons = shown_buttons(h, calls)
    assert not any(d.startswith("buy:") for _, d in buttons)  # no Order button
    assert any(d.startswith("fv:remove:2") for _, d in buttons)

    # and it cannot be ordered by a hand-made button either
    calls = await h.press(OrderStartCb(service_id="2"))
    assert "no longer available" in text_of(calls)
    assert await state_of(h) is None


async def test_a_service_not_in_the_catalog_cannot_be_added(h: BotHarness) -> None:
    calls = await h.press(FavCb(action="add", service_id="999"))
    assert callback_text(calls) == "This service no longer exists. Please pick another one."
    assert await stored(h) == []


async def test_favourites_mid_dialog_keep_the_dialog(h: BotHarness) -> None:
    await h.press(OrderStartCb(service_id="2"))
    await h.send(LINK)
    calls = await h.send("/favourites")
    assert "You have no favourites yet" in text_of(calls)
    assert await state_of(h) == OrderDialog.quantity.state


async def test_the_list_is_bounded(h: BotHarness) -> None:
    for sid in [str(i) for i in range(1, 18)]:
        await favourites.set_favourite(h.db, USER, sid, True)
    old, favourites.MAX_FAVOURITES = favourites.MAX_FAVOURITES, 17
    try:
        await h.db.execute("DELETE FROM favourites WHERE service_id = '17'")
        await favourites.set_favourite(h.db, USER, "17", True)
        await h.db.execute("DELETE FROM favourites WHERE service_id = '17'")
        favourites.MAX_FAVOURITES = 16
        calls = await h.press(FavCb(action="add", service_id="17"))
        assert "You already have 16 favourites" in (callback_text(calls) or "")
    finally:
        favourites.MAX_FAVOURITES = old
