"""Webhook mode (WEBHOOK_URL set): Telegram posts updates to aiogram's aiohttp handler at
the path of WEBHOOK_URL; every post must carry WEBHOOK_SECRET (401 otherwise).

The handler answers 200 at once and handles the update in the background, so Telegram does
not resend it for being slow. Stopping: the server stops taking posts (Telegram resends
them to another replica), updates in flight finish, then the dispatcher's shutdown (the
sender's sends in flight) runs, as in long polling (bot/lifecycle.py). No replica deletes
the webhook: the others are still taking updates.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import Settings
from bot.lifecycle import Lifecycle, wait_in_flight
from bot.ops_http import add_ops_routes

log = logging.getLogger(__name__)


def create_web_app(
    settings: Settings, webhook: SimpleRequestHandler | None = None
) -> web.Application:
    """The one aiohttp application of a process: the webhook route and, beside it, any
    endpoint operators add (health, metrics)."""
    app = web.Application()
    if webhook is not None:
        # The route only: SimpleRequestHandler.register would also close the bot session
        # on the app's shutdown, before the sender's last sends.
        app.router.add_post(settings.webhook_path, webhook.handle)
    return app


def webhook_handler(settings: Settings, dp: Dispatcher, bot: Bot) -> SimpleRequestHandler:
    assert settings.webhook_secret is not None  # Settings requires it with WEBHOOK_URL
    return SimpleRequestHandler(
        dp,
        bot,
        handle_in_background=True,
        secret_token=settings.webhook_secret.get_secret_value(),
    )


async def serve(settings: Settings, dp: Dispatcher, bot: Bot, lifecycle: Lifecycle) -> None:
    """Runs until the first SIGTERM/SIGINT, then stops as described above."""
    handler = webhook_handler(settings, dp, bot)
    app = create_web_app(settings, handler)
    # /healthz, /readyz and /metrics on the webhook server's port too (issue 15)
    add_ops_routes(app, dp["ops"])
    stop = asyncio.Event()

    async def request_stop() -> None:
        stop.set()

    lifecycle.install(request_stop)
    workflow = {"bot": bot, "dispatcher": dp, "bots": [bot], **dp.workflow_data}
    await dp.emit_startup(**workflow)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    host, port = settings.listen_address
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("webhook: listening on %s:%d at %s", host, port, settings.webhook_path)
        await stop.wait()
    finally:
        await runner.cleanup()  # no new posts from here on
        await wait_in_flight(handler._background_feed_update_tasks, lifecycle.remaining(0.6))
        await dp.emit_shutdown(**workflow)
