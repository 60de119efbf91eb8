"""Every button press is answered exactly once, at most with a short alert, and never fails:
gone services, the operators' buttons pressed again and again, forged and stale callback
data. Through the real dispatcher."""

from __future__ import annotations

from bot.keyboards.admin import AdminCb
from bot.keyboards.catalog import SvcCb
from bot.money import to_micros
from bot.services import wallet
from tests.harness import ADMIN_CHAT, BotHarness
from tests.helpers import (
    USER,
    add_running_order,
    add_user,
    answers,
    assert_answered_once,
    assert_clean,
    no_error_shown,
    shown,
)

# --------------------------------------------------------------------------- answered once


async def test_gone_service_alert_is_the_only_answer(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    calls = await harness.press(SvcCb(service_id="999999"), USER)
    [answer] = answers(calls)
    assert answer.ok and answer.params.get("show_alert") is True
    assert answer.params["text"]
    assert_clean(harness, calls)


async def test_admin_buttons_answer_each_press_once(harness: BotHarness) -> None:
    await add_user(harness.db, USER, balance=to_micros(20), username="bob")
    order_id = await add_running_order(harness, USER)
    await harness.admin(f"/order {order_id}")
    for action in ("refund", "refund", "renotify", "refresh", "placed", "notplaced"):
        calls = await harness.press(AdminCb(action=action, id=order_id), 777, chat_id=ADMIN_CHAT)
        assert_answered_once(harness, calls)
    await harness.admin(f"/user {USER}")
    for action in ("credit", "debit", "ban", "unban"):
        calls = await harness.press(AdminCb(action=action, id=USER), 777, chat_id=ADMIN_CHAT)
        assert_answered_once(harness, calls)


# --------------------------------------------------------------------------- forged buttons

HUGE = "99999999999999999999"
FORGED = [
    *(f"o:{action}:{HUGE}:0" for action in ("view", "refresh", "refill", "cancel")),
    f"o:list:0:{HUGE}", "o:view:-5:0", "o:view:abc:0", "o:view", "o:", "o:list:0:-3",
    f"tr:cancel_yes:{HUGE}", "tr:cancel_yes", "tr:x",
    f"cat:{HUGE}", "cat:-1", f"cs:{HUGE}:0", f"cs:1:{HUGE}", "cs:x:0",
    f"sv:2:{HUGE}:0:0", "sv:2:0:0:2", "sv", f"sp:{HUGE}", "sp:x",
    "buy", "buy:", f"buy:{HUGE}", "od:zzz", f"odl:{HUGE}", "odl:-5", "odc:", "odc:xx",
    "m:zzz", "m", "lang:", "lang", "lang:de", "cnop:1", "garbage", "x" * 64, "😀",
    f"adm:ban:{HUGE}", "adm:refund:1",
]  # fmt: skip


async def test_forged_callback_data_never_crashes(harness: BotHarness) -> None:
    """Every press is answered exactly once, at most with a short alert; no update fails
    (a number over SQLite's 64 bits used to raise OverflowError: "Something went wrong")."""
    harness.dp["flood"].limit = 10**9  # dozens of presses at once: not a flood test
    await harness.send("/start", USER)
    other = USER + 1
    await harness.send("/start", other)
    await wallet.top_up(harness.db, other, to_micros(10), ref="test:other")
    other_order = await add_running_order(harness, other)
    await harness.send("/start", USER)
    forged = [
        *FORGED,
        *(f"o:{a}:{other_order}:0" for a in ("view", "refresh", "refill", "cancel")),
        f"tr:cancel_yes:{other_order}",
    ]
    for data in forged:
        calls = await harness.press(data, USER)
        assert_answered_once(harness, calls)
        [answer] = answers(calls)
        assert len(answer.params.get("text") or "") <= 200
        assert no_error_shown(calls), data
        assert not any(str(other_order) in (c.text or "") for c in shown(calls)), data
    orders = await harness.db.fetchall("SELECT status FROM orders WHERE id = ?", (other_order,))
    assert [tuple(r) for r in orders] == [("in_progress",)]


async def test_dead_button_says_so(harness: BotHarness) -> None:
    await harness.send("/start", USER)
    calls = await harness.press("m:zzz", USER)
    [answer] = answers(calls)
    assert answer.params["text"].startswith("This button no longer works")
    assert answer.params.get("show_alert") is True
    calls = await harness.press("m:zzz", USER, language_code="ru")
    assert answers(calls)[0].params["text"].startswith("Эта кнопка")


async def test_admin_forged_huge_id_is_ignored(harness: BotHarness) -> None:
    calls = await harness.press(f"adm:ban:{HUGE}", 777, chat_id=ADMIN_CHAT)
    assert not harness.errors
    assert not [c for c in calls if c.method == "sendMessage"]
