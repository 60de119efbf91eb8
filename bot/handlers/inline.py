"""Inline mode: `@bot <words or id>` in any chat lists matching services.

The same search as inside the bot (catalog.search), 50 results a page with `next_offset`
paging. Choosing a result posts a short card with an Order button that opens the service
in the private chat (`start=svc-<id>`, handlers/common.py). Results are personal (the
texts are in the asker's language) and cached briefly (a price or a hidden service must
not linger). An empty query lists nothing and offers a button to open the bot: a list of
services nobody asked for would be noise in someone else's chat.

Works only once inline mode is switched on in BotFather (README); without it Telegram
sends no inline queries and nothing here runs.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)
from aiogram.utils.deep_linking import create_deep_link
from aiogram_i18n import I18nContext

from bot.config import Settings
from bot.db import Database
from bot.services import catalog
from bot.services.catalog import ServiceView
from bot.services.start_payload import service_payload
from bot.services.user_text import clean_line
from bot.text import shorten
from bot.views import catalog as views

router = Router(name="inline")

PER_PAGE = 50  # Telegram's limit of results in one answer
CACHE_SECONDS = 10
MAX_PAGE = 1000
TITLE_CHARS = 100
OPEN_BOT_PAYLOAD = "inline"  # the button of an empty query: /start inline, the greeting


def _page(offset: str) -> int | None:
    """The page an offset asks for ("" is the first); None for one we never gave out."""
    if not offset:
        return 0
    if not offset.isdigit() or len(offset) > 4:
        return None
    page = int(offset)
    return page if page <= MAX_PAGE else None


def _result(
    i18n: I18nContext, service: ServiceView, currency: str, username: str | None
) -> InlineQueryResultArticle | None:
    payload = service_payload(service.id)
    if payload is None:  # an id a deep link cannot carry: no way to order it from here
        return None
    markup = None
    if username:
        url = create_deep_link(username=username, link_type="start", payload=payload)
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=i18n.get("inline-order-button"), url=url)]]
        )
    return InlineQueryResultArticle(
        id=payload,
        title=shorten(i18n.get("inline-title", name=service.name, id=service.id), TITLE_CHARS),
        description=views.inline_description(i18n, service, currency),
        input_message_content=InputTextMessageContent(
            message_text=views.inline_card(i18n, service, currency)
        ),
        reply_markup=markup,
    )


@router.inline_query()
async def on_inline_query(
    query: InlineQuery, bot: Bot, i18n: I18nContext, db: Database, settings: Settings
) -> None:
    words = clean_line(query.query)[: catalog.MAX_QUERY_CHARS].strip()
    page = _page(query.offset)
    if not words or not catalog.query_words(words) or page is None:
        await query.answer(
            [],
            cache_time=CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(
                text=i18n.get("inline-open-bot"), start_parameter=OPEN_BOT_PAYLOAD
            ),
        )
        return
    found = await catalog.search(
        db, words, page, per_page=PER_PAGE, default_markup=settings.markup_percent
    )
    if found.page != page:  # past the last page (the catalog shrank meanwhile)
        await query.answer([], cache_time=CACHE_SECONDS, is_personal=True)
        return
    currency = await catalog.currency(db)
    username = (await bot.me()).username
    results = [
        r for r in (_result(i18n, s, currency, username) for s in found.items) if r is not None
    ]
    await query.answer(
        results,  # type: ignore[arg-type]
        cache_time=CACHE_SECONDS,
        is_personal=True,
        next_offset=str(page + 1) if found.has_next else "",
    )
