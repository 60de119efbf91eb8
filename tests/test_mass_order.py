"""Mass order through the real dispatcher, the fake Bot API and the fake panel: the checked
summary, the whole-list balance check, one `add` per valid line, the same-link guard and a
second tap on Confirm."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.keyboards.menu import MenuCb
from bot.services import wallet
from bot.services.orders.mass import MAX_LINES, Planned, place_batch, split_line
from tests.fakes.telegram import Call
from tests.harness import BotHarness
from tests.helpers import (
    LIKES,
    MICRO,
    USER,
    add_order,
    add_user,
    assert_ledger_consistent,
    last_shown,
    outbox_rows,
    shown,
)

LIKE_CHARGE = 36_000  # IG Likes: 0.036 per 1000, 1000 each
VALID = 90
REJECTED = {"https://instagram.com/p/l10", "https://instagram.com/p/l20"}
LOST = "https://instagram.com/p/l30"


def link(n: int) -> str:
    return f"https://instagram.com/p/l{n}"


def hundred_lines() -> str:
    """90 valid lines (three separators) and 10 that cannot be ordered, mixed."""
    separators = [" | ", "\t", ";"]
    lines = [f"{LIKES}{separators[n % 3]}{link(n)}{separators[n % 3]}1000" for n in range(VALID)]
    bad = [
        "just some words",  # format
        "2 | https://instagram.com/p/x",  # format: no quantity
        "| https://instagram.com/p/x | 100",  # format: no service
        "999 | https://instagram.com/p/x | 100",  # unknown service
        "abc | https://instagram.com/p/x | 100",  # unknown service
        "4 | https://instagram.com/p/x | 10",  # custom comments: needs the comments
        "16 | https://instagram.com/p/x | 100",  # subscription: needs more
        "2 | https://instagram.com/p/x | 10",  # below the minimum of 50
        "2 | https://instagram.com/p/x | 1.5",  # not a whole number
        "2 | notalink | 1000",  # bad link
    ]
    for i, line in enumerate(bad):
        lines.insert(i * 9 + 3, line)
    assert len(lines) == MAX_LINES
    return "\n".join(lines)


def confirm_buttons(h: BotHarness, calls: list[Call]) -> list[tuple[str, str]]:
    return [(t, d) for t, d in h.buttons(last_shown(calls)) if d.startswith("mc:")]


def all_text(calls: list[Call]) -> str:
    return "\n".join(c.text or "" for c in shown(calls))


async def open_mass_order(h: BotHarness) -> None:
    calls = await h.press(MenuCb(action="mass"))
    assert "service id | link | quantity" in (last_shown(calls).text or "")


async def test_split_line_takes_the_id_first_and_the_quantity_last() -> None:
    assert split_line("2 | https://x.com/a|b | 100") == ("2", "https://x.com/a|b", "100")
    assert split_line("#2\thttps://x.com\t1 000") == ("2", "https://x.com", "1 000")
    assert split_line("2;https://x.com/?a=1;b=2;50") == ("2", "https://x.com/?a=1;b=2", "50")
    for bad in ("2 | x", "2 x 100", " | x | 1", "2 | | 1", "2 | x | "):
        assert split_line(bad) is None, bad


async def test_hundred_lines_mixed_then_short_of_money_then_placed(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=3 * MICRO)  # 90 x 0.036 = 3.24 needed
    await open_mass_order(h)
    lines = hundred_lines()

    calls = await h.send(lines)
    summary = all_text(calls)
    assert "90 of 100 lines can be ordered" in summary
    assert summary.count(". ❌ ") == 10
    assert "Not a line of" in summary
    assert "Service 999 is not available" in summary
    assert "needs more details than a link and a quantity" in summary
    assert "The quantity must be from 50 to 50,000" in summary
    assert "whole number" in summary
    assert "does not look like a link" in summary
    assert "Total for 90 lines: 3.24 USD" in summary
    assert "top up 0.24 USD" in summary
    assert not confirm_buttons(h, calls)  # not enough money: nothing to confirm
    assert any(d.startswith("tu:") for _, d in h.buttons(last_shown(calls)))
    assert h.fake_panel.add_calls == []

    await wallet.top_up(h.db, USER, 7 * MICRO, ref="test:more")
    h.fake_panel.reject_links = dict.fromkeys(REJECTED, "Link is private")
    h.fake_panel.lose_links = {LOST}
    calls = await h.send(lines)  # the list again, now it can be paid
    [(label, confirm)] = confirm_buttons(h, calls)
    assert "Confirm 90 lines" in label

    calls = await h.press(confirm)
    result = all_text(calls)
    # exactly one `add` per valid line, the rejected and the lost ones included
    sent = Counter(c["link"] for c in h.fake_panel.add_calls)
    assert sent == Counter({link(n): 1 for n in range(VALID)})
    assert "87 of 90 lines placed" in result
    assert result.count("✅ order #") == 87
    assert result.count("was not placed, the money is back") == 2
    assert result.count("is being checked") == 1
    statuses = Counter(
        r["status"] for r in await h.db.fetchall("SELECT status FROM orders WHERE user_id = ?",
                                                 (USER,))
    )  # fmt: skip
    assert statuses == Counter({"pending": 87, "failed": 2, "unknown": 1})
    # 10.00 - 88 x 0.036: the two rejected lines refunded, the lost one held
    assert await wallet.balance(h.db, USER) == 10 * MICRO - 88 * LIKE_CHARGE
    await assert_ledger_consistent(h.db)

    # a second tap on the same Confirm: nothing placed, nothing charged
    calls = await h.press(confirm)
    assert "already been confirmed" in all_text(calls)
    assert len(h.fake_panel.add_calls) == VALID
    assert await wallet.balance(h.db, USER) == 10 * MICRO - 88 * LIKE_CHARGE
    assert not h.errors


async def test_whole_list_checked_against_the_balance_at_confirm(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=100_000)
    await open_mass_order(h)
    calls = await h.send("\n".join(f"2 | {link(n)} | 1000" for n in range(2)))
    [(_, confirm)] = confirm_buttons(h, calls)
    await add_order(h, USER, charge=50_000, status="completed")  # spent meanwhile
    calls = await h.press(confirm)
    assert "Nothing was charged" in all_text(calls)
    assert h.fake_panel.add_calls == []
    assert await wallet.balance(h.db, USER) == 50_000
    await assert_ledger_consistent(h.db)


@pytest.mark.parametrize("anyway", [False, True])
async def test_same_link_guard_needs_order_anyway(harness: BotHarness, anyway: bool) -> None:
    h = harness
    await add_user(h.db, USER, balance=10 * MICRO)
    earlier = await add_order(h, USER, charge=0, service_id=LIKES, status="in_progress")
    done = await add_order(h, USER, charge=0, service_id=LIKES, status="completed")
    await h.db.execute(
        "UPDATE orders SET link = 'https://instagram.com/p/done' WHERE id = ?", (done,)
    )
    await open_mass_order(h)
    calls = await h.send(
        "2 | https://instagram.com/p/x | 100\n"  # the link of the unfinished order
        "2 | https://instagram.com/p/done | 100\n"  # a finished one: no warning
        "17 | https://instagram.com/p/x | 100\n"  # another service: no warning
        "17 | instagram.com/p/x | 200"  # the line before again
    )
    summary = all_text(calls)
    assert f"You already have order #{earlier} (🚀 In progress)" in summary
    assert summary.count("You already have order") == 1
    assert "The same service and link as line 3" in summary
    buttons = confirm_buttons(h, calls)
    assert [label for label, _ in buttons] == ["✅ Confirm 2 lines", "⚠️ Order anyway (4 lines)"]
    calls = await h.press(buttons[1 if anyway else 0][1])
    links = sorted((c["service"], c["link"]) for c in h.fake_panel.add_calls)
    expected = [("17", "https://instagram.com/p/x"), ("2", "https://instagram.com/p/done")]
    if anyway:
        expected += [("2", "https://instagram.com/p/x"), ("17", "https://instagram.com/p/x")]
    assert links == sorted(expected)
    await assert_ledger_consistent(h.db)
    assert not h.errors


async def test_too_many_lines_and_a_stale_summary(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=10 * MICRO)
    await open_mass_order(h)
    calls = await h.send("\n".join(f"2 | {link(n)} | 100" for n in range(MAX_LINES + 1)))
    assert "more than 100 lines" in all_text(calls)
    first = await h.send(f"2 | {link(1)} | 100")
    [(_, old)] = confirm_buttons(h, first)
    second = await h.send(f"2 | {link(2)} | 100")  # the list fixed: a new summary
    [(_, new)] = confirm_buttons(h, second)
    calls = await h.press(old)
    assert "out of date" in all_text(calls)
    assert h.fake_panel.add_calls == []
    await h.press(new)
    assert [c["link"] for c in h.fake_panel.add_calls] == [link(2)]
    assert not h.errors


async def test_panel_requests_in_flight_are_bounded(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=10 * MICRO)
    h.fake_panel.delay = 0.05  # every `add` waits: the lines pile up at the bound
    settings = h.settings.model_copy(update={"mass_order_concurrency": 3})
    planned = [Planned(n, LIKES, link(n), 1000, LIKE_CHARGE) for n in range(1, 13)]
    batch = await place_batch(h.db, h.panel, settings, h.notices, USER, planned, "b" * 16)
    assert [x.result.outcome for x in batch.lines if x.result] == ["placed"] * 12
    assert [x.number for x in batch.lines] == list(range(1, 13))  # in the list's order
    assert 1 < h.fake_panel.max_adds_in_flight <= 3  # in parallel, never past the bound
    again = await place_batch(h.db, h.panel, settings, h.notices, USER, planned, "b" * 16)
    assert {x.result.outcome for x in again.lines if x.result} == {"duplicate"}
    assert len(h.fake_panel.add_calls) == 12
    assert await wallet.balance(h.db, USER) == 10 * MICRO - 12 * LIKE_CHARGE


async def test_result_telegram_refuses_goes_to_the_outbox_once(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=10 * MICRO)
    await open_mass_order(h)
    calls = await h.send(f"2 | {link(1)} | 1000\n2 | {link(2)} | 1000")
    [(_, confirm)] = confirm_buttons(h, calls)
    h.tg.fail_next("sendMessage", 500, count=5)  # the result cannot be sent now
    await h.press(confirm)
    assert len(h.fake_panel.add_calls) == 2
    [row] = [r for r in await outbox_rows(h.db, USER) if r["key"] == "mass-result-later"]
    assert '"placed": 2' in row["params"] and '"total": 2' in row["params"]
    assert not h.errors


async def test_hostile_lines_are_refused_with_a_reason(harness: BotHarness) -> None:
    h = harness
    await add_user(h.db, USER, balance=10 * MICRO)
    await open_mass_order(h)
    hostile = [
        "2 | https://instagram.com/p/\ud800x | 100",  # a lone surrogate: dropped
        "2\x00 | https://instagram.com/p/y | 100",  # a NUL in the id: dropped
        f"2 | https://instagram.com/p/{'a' * 5000} | 100",  # a link past every limit
        f"2 | https://instagram.com/p/z | {'9' * 40}",  # a number past every limit
        f"{'9' * 300} | https://instagram.com/p/z | 100",  # an id past every limit
        "2 | javascript:alert(1) | 100",
        "\u200b | \u200b | \u200b",  # nothing visible
        "2 | https://127.0.0.1/x | 100",  # not a public host
    ]
    calls = await h.send("\n".join(hostile))
    summary = all_text(calls)
    assert "2 of 8 lines can be ordered" in summary  # the first two, cleaned
    assert "instagram.com/p/x: " in summary
    assert summary.count(". ❌ ") == 6
    assert not h.errors
