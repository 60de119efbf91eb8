"""What came of a refill or cancel request."""

from __future__ import annotations

from bot.services.orders.requests import Outcome, RequestResult
from bot.views.common import Translator, panel_reason


def request_result(i18n: Translator, kind: str, order_id: int, result: RequestResult) -> str:
    oid = str(order_id)
    match result.outcome:
        case Outcome.ACCEPTED:
            return i18n.get(f"track-{kind}-accepted", order_id=oid)
        case Outcome.REJECTED:
            return i18n.get(
                "track-request-rejected", order_id=oid, reason=panel_reason(i18n, result.reason)
            )
        case Outcome.IN_PROGRESS:
            return i18n.get("track-request-in-progress", order_id=oid)
        case Outcome.NOT_ALLOWED:
            return i18n.get("track-request-not-allowed", order_id=oid)
        case Outcome.UNAVAILABLE:
            return i18n.get("track-request-unavailable")
        case Outcome.UNKNOWN:
            return i18n.get("track-request-unknown", order_id=oid)
    return i18n.get("track-request-not-found")
