"""A demoted group admin loses the operators' commands at once (issue 9, item 12): Telegram's
chat_member update about the admin group drops what was remembered about that member, and
the remembered answer is short-lived otherwise. Through the real dispatcher."""

from __future__ import annotations

from bot.services import admins
from tests.harness import ADMIN_CHAT, BotHarness

OPERATOR = 4242  # an administrator of the group, not in ADMIN_IDS
OWNER = 1


async def answered(h: BotHarness, user_id: int) -> bool:
    calls = await h.admin("/help", user_id=user_id)
    return any(c.ok and c.method == "sendMessage" and c.chat_id == ADMIN_CHAT for c in calls)


async def test_a_demotion_takes_effect_at_the_next_command(harness: BotHarness) -> None:
    h = harness
    assert "chat_member" in h.dp.resolve_used_update_types()  # asked for in allowed_updates
    h.tg.set_admins(ADMIN_CHAT, [OPERATOR], owner=OWNER)
    assert await answered(h, OPERATOR)
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR) is True

    update = h.tg.change_member(ADMIN_CHAT, OPERATOR, admin=False, by=OWNER)
    await h.tg.feed(h.dp, h.bot, update)
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR) is None
    assert not await answered(h, OPERATOR)  # Telegram asked again: a member now
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR) is False

    # promoted again: also at once
    await h.tg.feed(h.dp, h.bot, h.tg.change_member(ADMIN_CHAT, OPERATOR, admin=True, by=OWNER))
    assert await answered(h, OPERATOR)
    assert h.errors == []


async def test_a_change_in_another_group_changes_nothing_here(harness: BotHarness) -> None:
    h = harness
    h.tg.set_admins(ADMIN_CHAT, [OPERATOR], owner=OWNER)
    assert await answered(h, OPERATOR)
    other = -1009999999999
    h.tg.set_admins(other, [OPERATOR], owner=OWNER)
    await h.tg.feed(h.dp, h.bot, h.tg.change_member(other, OPERATOR, admin=False, by=OWNER))
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR) is True


async def test_the_bots_own_membership_change_forgets_everyone(harness: BotHarness) -> None:
    h = harness
    h.tg.set_admins(ADMIN_CHAT, [OPERATOR], owner=OWNER)
    assert await answered(h, OPERATOR)
    bot_id = h.tg.bot_user["id"]
    await h.tg.feed(h.dp, h.bot, h.tg.change_member(ADMIN_CHAT, bot_id, admin=True, by=OWNER))
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR) is None


async def test_the_remembered_answer_lasts_a_minute(harness: BotHarness) -> None:
    h = harness
    now = 1_000_000
    await admins.remember_admin(h.db, ADMIN_CHAT, OPERATOR, True, now=now)
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR, now=now + 59) is True
    assert await admins.cached_admin(h.db, ADMIN_CHAT, OPERATOR, now=now + 61) is None
