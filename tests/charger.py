"""One "replica" of the concurrency test: `python -m tests.charger URL PANEL_URL KEY N`
places N orders for tests.helpers.USER through the real placing code on the database at
URL, a few at a time, and prints what came of them as JSON (outcome -> count)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from bot.config import load_settings
from bot.db import Database
from bot.panel import PanelClient
from bot.services.orders import placing
from tests.helpers import ADMIN_CHAT, NOTICES, TEST_KEY, TEST_TOKEN, draft

AT_ONCE = 5  # placements in flight per process


async def main(url: str, panel_url: str, key: str, count: int) -> Counter[str]:
    settings = load_settings(
        bot_token=TEST_TOKEN,
        panel_api_url=panel_url,
        panel_api_key=key or TEST_KEY,
        admin_chat_id=ADMIN_CHAT,
        database_url=url,
    )
    db = Database(url)
    await db.connect()
    outcomes: Counter[str] = Counter()
    gate = asyncio.Semaphore(AT_ONCE)
    try:
        async with PanelClient(panel_url, key, connect_timeout=5, read_timeout=10) as panel:

            async def one() -> None:
                async with gate:
                    result = await placing.place_order(
                        db, panel, settings, NOTICES, draft(1000), placing.new_confirm_token()
                    )
                    outcomes[result.outcome] += 1

            await asyncio.gather(*(one() for _ in range(count)))
    finally:
        await db.close()
    return outcomes


if __name__ == "__main__":
    url, panel_url, key, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    print(json.dumps(asyncio.run(main(url, panel_url, key, count))))
