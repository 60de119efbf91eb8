"""Referrals through the real dispatcher: the invite link, who gets attached (once, never to
themselves, never after having used the bot), and the inviter's bonus on a completed, a
partial and a canceled order, with the claw-back of a later operator refund."""

from __future__ import annotations

import re

from bot.keyboards.admin import AdminCb
from bot.keyboards.menu import MenuCb
from bot.services import referrals, wallet
from bot.services.orders import status
from tests.harness import ADMIN_CHAT, ADMIN_USER, BotHarness
from tests.helpers import LIKES, add_order, assert_ledger_consistent

INVITER = 2001
FRIEND = 2002
OTHER_INVITER = 2003
OLD_USER = 2004


async def invite_code(h: BotHarness, user_id: int) -> tuple[str, str]:
    """(code, the screen's text) from the user's "Invite friends" screen."""
    calls = await h.press(MenuCb(action="invite"), user_id)
    text = next(c.text for c in calls if c.text)
    match = re.search(r"https://t\.me/\w+\?start=ref-([a-z0-9]+)", text)
    assert match, text
    return match.group(1), text


async def inviter_of(h: BotHarness, user_id: int) -> int | None:
    return await referrals.inviter_of(h.db, user_id)


async def referral_rows(h: BotHarness) -> list[tuple[str, int]]:
    rows = await h.db.fetchall(
        "SELECT ref, amount FROM ledger WHERE user_id = ? AND kind LIKE 'referral%' ORDER BY id",
        (INVITER,),
    )
    return [(str(r[0]), int(r[1])) for r in rows]


async def test_menu_has_invite_and_the_screen_shows_the_link(harness: BotHarness) -> None:
    calls = await harness.send("/start", INVITER)
    labels = [text for call in calls for text, _ in harness.buttons(call)]
    assert "🤝 Invite friends" in labels
    code, text = await invite_code(harness, INVITER)
    assert "The referral bonus is paused" in text  # REFERRAL_PERCENT defaults to 0
    assert "Friends joined: 0" in text
    assert await referrals.code_of(harness.db, INVITER) == code  # one code per user, kept


async def test_attached_once_never_to_self_never_after_using_the_bot(h_ref: BotHarness) -> None:
    h = h_ref
    code, _ = await invite_code(h, INVITER)
    await h.send("/start", OTHER_INVITER)
    other_code, _ = await invite_code(h, OTHER_INVITER)

    await h.send(f"/start ref-{code}", FRIEND)  # a new user through the link
    assert await inviter_of(h, FRIEND) == INVITER
    await h.send(f"/start ref-{other_code}", FRIEND)  # a second link: not re-attached
    assert await inviter_of(h, FRIEND) == INVITER

    await h.send(f"/start ref-{code}", INVITER)  # one's own link
    assert await inviter_of(h, INVITER) is None

    await h.send("/start", OLD_USER)  # used the bot before the link
    await h.send(f"/start ref-{code}", OLD_USER)
    assert await inviter_of(h, OLD_USER) is None

    await h.send("/start ref-nosuchcode", 2099)  # an unknown code: just the greeting
    assert await inviter_of(h, 2099) is None

    assert (await referrals.summary(h.db, INVITER)).joined == 1
    assert not h.errors


async def test_self_referral_is_refused_by_the_service_too(h_ref: BotHarness) -> None:
    code, _ = await invite_code(h_ref, INVITER)
    assert not await referrals.attach(h_ref.db, INVITER, code, is_new=True)
    assert await inviter_of(h_ref, INVITER) is None


async def _order(h: BotHarness, charge: int) -> tuple[int, str]:
    panel_id = h.fake_panel.add_order(LIKES, link="https://instagram.com/p/x", quantity="100").id
    order_id = await add_order(
        h, FRIEND, status="in_progress", charge=charge, panel_order_id=panel_id
    )
    return order_id, panel_id


async def _settle(h: BotHarness, order_id: int, panel_id: str, text: str, remains: int) -> None:
    h.fake_panel.set_status(panel_id, text, remains=remains)
    await status.refresh_order(h.db, h.panel, h.notices, FRIEND, order_id)


async def test_bonus_on_completed_partial_canceled_and_claw_back(h_ref: BotHarness) -> None:
    h = h_ref
    calls = await h.admin("/referral 7.5")
    assert "Referral bonus set to 7.5%" in (calls[-1].text or "")
    code, _ = await invite_code(h, INVITER)
    await h.send(f"/start ref-{code}", FRIEND)
    await wallet.top_up(h.db, FRIEND, 20_000_000, ref="test:friend")
    inviter_start = await wallet.balance(h.db, INVITER)

    completed, completed_panel = await _order(h, 5_000_000)
    partial, partial_panel = await _order(h, 3_333_337)
    canceled, canceled_panel = await _order(h, 2_000_000)

    await _settle(h, completed, completed_panel, "In progress", 100)  # not final: nothing
    assert await referral_rows(h) == []
    await _settle(h, completed, completed_panel, "Completed", 0)
    # 40 of 100 undelivered: 3_333_337 * 40 // 100 = 1_333_334 back, 2_000_003 kept
    await _settle(h, partial, partial_panel, "Partial", 40)
    await _settle(h, canceled, canceled_panel, "Canceled", 100)
    await _settle(h, completed, completed_panel, "Completed", 0)  # a repeat: nothing more

    assert await referral_rows(h) == [
        (f"referral:{completed}", 375_000),  # 7.5% of 5.00
        (f"referral:{partial}", 150_000),  # 7.5% of 2_000_003, rounded down
    ]
    await assert_ledger_consistent(h.db)
    told = await h.db.fetchall(
        "SELECT key, dedup FROM outbox WHERE chat_id = ? AND key = 'referral-earned' ORDER BY id",
        (INVITER,),
    )
    assert [tuple(r) for r in told] == [
        ("referral-earned", f"referral:{completed}"),
        ("referral-earned", f"referral:{partial}"),
    ]

    # an operator refunds the completed order afterwards: its bonus comes back, exactly
    calls = await h.press(AdminCb(action="refund", id=completed), ADMIN_USER, chat_id=ADMIN_CHAT)
    assert any("5.00 USD refunded" in str(c.params.get("text")) for c in calls)
    # and the rest of the partial one: its bonus comes back too
    await h.press(AdminCb(action="refund", id=partial), ADMIN_USER, chat_id=ADMIN_CHAT)
    assert await referral_rows(h) == [
        (f"referral:{completed}", 375_000),
        (f"referral:{partial}", 150_000),
        (f"referral-back:{completed}", -375_000),
        (f"referral-back:{partial}", -150_000),
    ]
    assert await wallet.balance(h.db, INVITER) == inviter_start
    await assert_ledger_consistent(h.db)

    # what operators see
    stats = (await h.admin("/stats"))[-1].text or ""
    assert "Referral bonuses paid (net of claw-backs): 0.00 USD" in stats
    card = (await h.admin(f"/user {FRIEND}"))[-1].text or ""
    assert f"Invited by: {INVITER}" in card
    card = (await h.admin(f"/user {INVITER}"))[-1].text or ""
    assert "invited users: 1" in card
    audit = (await h.admin("/audit"))[-1].text or ""
    assert "referral" in audit
    assert not h.errors


async def test_claw_back_never_drives_the_balance_negative(h_ref: BotHarness) -> None:
    h = h_ref
    await h.admin("/referral 10")
    code, _ = await invite_code(h, INVITER)
    await h.send(f"/start ref-{code}", FRIEND)
    await wallet.top_up(h.db, FRIEND, 10_000_000, ref="test:friend")
    order_id, panel_id = await _order(h, 4_000_000)
    await _settle(h, order_id, panel_id, "Completed", 0)
    bonus = await wallet.balance(h.db, INVITER)
    assert bonus == 400_000
    await h.admin(f"/debit {INVITER} 0.3")  # the inviter spent most of it
    await h.press(AdminCb(action="refund", id=order_id), ADMIN_USER, chat_id=ADMIN_CHAT)
    assert await wallet.balance(h.db, INVITER) == 0
    assert (await referral_rows(h))[-1] == (f"referral-back:{order_id}", -100_000)
    await assert_ledger_consistent(h.db)


async def test_referral_command_checks_its_argument(harness: BotHarness) -> None:
    assert "Referral bonus: 0%" in ((await harness.admin("/referral"))[-1].text or "")
    for bad in ("/referral abc", "/referral 101", "/referral -1", "/referral 1 2"):
        assert "Usage: /referral" in ((await harness.admin(bad))[-1].text or ""), bad
    await harness.admin("/referral 5")
    assert "Referral bonus: 5%" in ((await harness.admin("/referral"))[-1].text or "")
