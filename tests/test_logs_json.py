"""LOG_FORMAT=json (issue 15): one JSON object per line, with the update, user, order and panel
action the line is about, and no secret in any field: the bot token and the panel key are
scrubbed as in the text format (bot/logging_setup.py)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import logctx
from bot.logging_setup import setup_logging
from tests.fakes.panel import FakePanel, Fault
from tests.fakes.telegram import FakeTelegram
from tests.harness import BotHarness
from tests.helpers import add_user, bot_env, run_bot
from tests.test_order_dialog import LINK, confirm_data, walk_to_summary

USER = 1001


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Where `setup_logging` (called by the test, as `python -m bot` calls it) writes; the
    test's own logging restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buffer = io.StringIO()
    original = logging.StreamHandler.__init__

    def to_buffer(self: logging.StreamHandler, stream: Any = None) -> None:  # type: ignore[type-arg]
        original(self, buffer)

    logging.StreamHandler.__init__ = to_buffer  # type: ignore[method-assign]
    try:
        yield buffer
    finally:
        logging.StreamHandler.__init__ = original  # type: ignore[method-assign]
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed on its own: a line that is not one JSON object fails here."""
    parsed = []
    for line in buffer.getvalue().splitlines():
        entry = json.loads(line)
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "message"} <= entry.keys(), entry
        parsed.append(entry)
    return parsed


def test_a_line_is_one_json_object_with_its_context(json_logs: io.StringIO) -> None:
    setup_logging("INFO", secrets=("123456:SECRET-token", "panel-key-42x"), log_format="json")
    log = logging.getLogger("bot.test")
    with logctx.bound(update_id=7, user_id=1001, order_id=42):
        log.info("order %s\nplaced", 42, extra={"attempt": 2})
    log.warning("outside")
    first, second = lines(json_logs)
    assert first["message"] == "order 42\nplaced"  # a newline stays inside the one line
    assert (first["update_id"], first["user_id"], first["order_id"]) == (7, 1001, 42)
    assert first["attempt"] == 2 and first["level"] == "INFO" and first["logger"] == "bot.test"
    assert first["time"].endswith("+00:00")
    assert "update_id" not in second  # the context ended with its block


def test_no_secret_in_message_traceback_or_extra_fields(json_logs: io.StringIO) -> None:
    token, key = "123456:SECRET-token", "panel-key-42x"
    setup_logging("INFO", secrets=(token, key), log_format="json")
    log = logging.getLogger("bot.test")
    log.error("calling https://api.telegram.org/bot%s/getMe with key=%s", token, key)
    try:
        raise RuntimeError(f"failed at /bot{token.replace(':', '%3A')}/sendMessage")
    except RuntimeError:
        log.exception("send failed")
    log.info("echo", extra={"answer": f"the panel said {key}"})
    text = json_logs.getvalue()
    entries = lines(json_logs)
    assert len(entries) == 3 and "exc" in entries[1]
    for secret in (token, key, "SECRET-token", "123456%3ASECRET"):
        assert secret not in text
    assert "***" in entries[0]["message"] and "***" in entries[2]["answer"]


async def test_a_shop_run_logs_parse_and_name_update_user_and_panel_action(
    json_logs: io.StringIO, tmp_path: Path, fake_tg: FakeTelegram, fake_panel: FakePanel
) -> None:
    """Through the real dispatcher: a panel `add` whose answer is lost (the client and the
    placing service log it), then a reply the Bot API breaks on (aiohttp's error quotes the
    request URL, bot token included)."""
    h = BotHarness(tmp_path, fake_tg, fake_panel)
    await h.start()
    setup_logging("INFO", secrets=(h.tg.token, h.fake_panel.key), log_format="json")
    try:
        await add_user(h.db, USER, balance=100_000_000)
        calls = await walk_to_summary(h, "3", [LINK])
        h.fake_panel.fail(Fault.HTML_502, times=1, actions={"add"})
        await h.press(confirm_data(h, calls))
        order_id = await h.db.fetchval("SELECT id FROM orders")
        h.tg.break_next("sendMessage")
        await h.send("/start", USER)
    finally:
        await h.stop()
    entries = lines(json_logs)
    text = json_logs.getvalue()
    assert h.tg.token not in text and h.fake_panel.key not in text
    panel = [e for e in entries if e["logger"] == "bot.panel.client"]
    assert panel and all(e["panel_action"] == "add" for e in panel)
    assert all(e["user_id"] == USER and isinstance(e["update_id"], int) for e in panel)
    unknown = [e for e in entries if "outcome unknown" in e["message"]]
    assert unknown and unknown[0]["user_id"] == USER and unknown[0]["order_id"] == order_id
    failed = [e for e in entries if e["logger"] == "bot.app" and e["level"] == "ERROR"]
    assert failed and "exc" in failed[0] and "***" in failed[0]["exc"]
    assert "order_id" not in failed[0]  # the next update: the order is not its business


async def test_python_m_bot_writes_json_when_asked(tmp_path: Path) -> None:
    env = bot_env(
        tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "panel-key-42x", LOG_FORMAT="json"
    )
    code, _, err = await run_bot(env, cwd=tmp_path)
    assert code == 1
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert entries and any("BOT_API_URL: cannot reach" in e["message"] for e in entries)
    assert "panel-key-42x" not in err and "TEST-token" not in err
