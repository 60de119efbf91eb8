"""An update that fails before the user's language is known still gets an answer."""

from __future__ import annotations

from tests.harness import BotHarness


async def test_error_before_i18n_answers_in_default_language(harness: BotHarness) -> None:
    # A real database failure while the user row is created: before i18n is loaded.
    async with harness.db.transaction() as conn:
        if conn.dialect == "sqlite":
            await conn.execute(
                "CREATE TRIGGER no_new_users BEFORE INSERT ON users"
                " BEGIN SELECT RAISE(ABORT, 'no new users'); END"
            )
        else:
            await conn.execute(
                "CREATE TRIGGER no_new_users BEFORE INSERT ON users"
                " FOR EACH ROW EXECUTE FUNCTION refuse_write('no new users')"
            )
    calls = await harness.send("/start", 424242, language_code="ru")

    assert any("no new users" in e for e in harness.errors)
    assert harness.texts([c for c in calls if c.method == "sendMessage"]) == [
        harness.core.get("error-generic", "en")
    ]
