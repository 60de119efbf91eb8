"""Run the fake panel and the fake Bot API on 127.0.0.1 until killed (for smoke tests).

    python -m tests.fakes.serve URLS_FILE

writes `BOT_API_URL=...`, `PANEL_API_URL=...`, `PANEL_API_KEY=...`, `BOT_TOKEN=...` lines to
URLS_FILE once both listen, then pushes a /start update so a running bot has work to do.
On SIGTERM it writes what the bot sent to chat 4242 to URLS_FILE with the suffix `.replies`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from tests.fakes.panel import FakePanel
from tests.fakes.telegram import FakeTelegram


async def main(out: Path) -> None:
    tg = FakeTelegram()
    panel = FakePanel()
    await tg.start()
    await panel.start()
    tmp = out.with_suffix(".tmp")
    tmp.write_text(
        f"BOT_API_URL={tg.url}\nBOT_TOKEN={tg.token}\n"
        f"PANEL_API_URL={panel.url}\nPANEL_API_KEY={panel.key}\n"
    )
    tmp.rename(out)
    tg.push_update(tg.make_update(message=tg.make_message("/start", user_id=4242)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=600)
    replies = [c.text for c in tg.sent_messages(4242)]
    out.with_suffix(".replies").write_text("\n".join(r or "" for r in replies))
    await panel.stop()
    await tg.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
