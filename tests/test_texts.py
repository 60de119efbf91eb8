"""bot/texts.py: `python -m bot` loads the texts before the rest of the bot and hands them
to the dispatcher, which uses them as they are (no second load)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.texts import LOCALES_PATH, load_texts
from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness


async def test_texts_loaded_beforehand_are_the_ones_the_bot_uses(
    tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    texts = load_texts("en")
    bundles = dict(texts.locales)
    assert set(bundles) == {p.name for p in LOCALES_PATH.iterdir() if p.is_dir()}
    h = BotHarness(tmp_path, fake_tg, fake_panel, texts=texts)
    await h.start()
    try:
        assert h.core is texts
        assert all(texts.locales[name] is bundle for name, bundle in bundles.items())
        calls = await h.send("/start", language_code="ru")
        assert calls and all(c.ok for c in calls)
        assert h.texts(calls)[0] == texts.get("start-greeting", "ru", name="Alice")
        await h.restart()  # the shutdown let go of them; the next start-up loads them again
        assert h.core is texts and set(texts.locales) == set(bundles)
        assert h.texts(await h.send("/start"))[0] == texts.get("start-greeting", "en", name="Alice")
        assert not h.errors
    finally:
        await h.stop()


def test_python_m_bot_loads_the_texts_before_the_rest_of_the_bot() -> None:
    """Modules imported after the texts fill the holes their loading left (load_texts):
    `run` must not import the bot's handlers before it."""
    code = (
        "import sys, bot.texts as t\n"
        "seen = []\n"
        "def spy(language):\n"
        "    seen.append(sorted(m for m in sys.modules if m.startswith('bot.handlers')))\n"
        "    raise SystemExit(0)\n"
        "t.load_texts = spy\n"
        "import asyncio, types, bot.__main__ as m\n"
        "try:\n"
        "    asyncio.run(m.run(types.SimpleNamespace(default_language='en')))\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[[]]", out.stdout + out.stderr
