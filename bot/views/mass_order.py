"""Texts of the mass order: the checked list with prices and reasons, and what came of it.
A list of 100 lines may pass Telegram's 4096 characters: it goes out as several texts."""

from __future__ import annotations

from bot.money import format_amount
from bot.services.orders import mass
from bot.services.orders.placing import PlaceResult
from bot.text import shorten, split_lines
from bot.views.common import Translator, count, panel_reason
from bot.views.orders import status_text

NAME_CHARS = 32
LINK_CHARS = 40


def _reason(i18n: Translator, line: mass.Line) -> str:
    if line.problem == "input" and line.error is not None:
        return i18n.get(f"order-error-{line.error.code}", **line.error.params)
    if line.problem == "format":
        return i18n.get("mass-reason-format")
    if line.problem == "extras":
        return i18n.get("mass-reason-extras", service=shorten(line.service_name, NAME_CHARS))
    return i18n.get("mass-reason-service", service=line.service_id)


def summary_line(i18n: Translator, line: mass.Line, currency: str) -> str:
    if not line.valid:
        return i18n.get("mass-line-bad", number=line.number, reason=_reason(i18n, line))
    text = i18n.get(
        "mass-line-ok",
        number=line.number,
        service=shorten(line.service_name, NAME_CHARS),
        link=shorten(line.link, LINK_CHARS),
        quantity=count(i18n, line.quantity),
        price=format_amount(line.charge, currency, i18n.locale),
    )
    if line.earlier_order is not None:
        text += "\n" + i18n.get(
            "mass-line-flagged",
            order_id=line.earlier_order,
            status=status_text(i18n, line.earlier_status or ""),
        )
    if line.repeats is not None:
        text += "\n" + i18n.get("mass-line-repeats", line=line.repeats)
    return text


def summary(i18n: Translator, checked: mass.Checked) -> list[str]:
    """The whole list, then the totals and what the buttons will do."""
    money = checked.currency
    valid = [ln for ln in checked.lines if ln.valid]
    lines = [i18n.get("mass-summary-title", valid=len(valid), total=len(checked.lines)), ""]
    lines += [summary_line(i18n, ln, money) for ln in checked.lines]
    lines.append("")
    total = checked.total(anyway=False)
    lines.append(i18n.get("mass-summary-total", count=len(checked.chosen(False)),
                          total=format_amount(total, money, i18n.locale)))  # fmt: skip
    flagged = checked.flagged
    if flagged:
        with_flagged = format_amount(checked.total(anyway=True), money, i18n.locale)
        lines.append(i18n.get("mass-summary-flagged", count=len(flagged), total=with_flagged))
    lines.append(
        i18n.get("mass-summary-balance", balance=format_amount(checked.balance, money, i18n.locale))
    )
    if checked.balance < total:
        missing = format_amount(total - checked.balance, money, i18n.locale)
        lines.append(i18n.get("mass-summary-missing", missing=missing))
    lines.append("")
    lines.append(i18n.get("mass-summary-fix-hint"))
    return split_lines(lines)


def _result_line(i18n: Translator, item: mass.LineResult, currency: str) -> str:
    result: PlaceResult | None = item.result
    n = item.number
    if result is None:
        return i18n.get("mass-result-error", number=n)
    match result.outcome:
        case "placed" | "duplicate":
            return i18n.get("mass-result-placed", number=n, order_id=result.order_id or 0,
                            charge=format_amount(result.charge, currency, i18n.locale))  # fmt: skip
        case "unknown":
            return i18n.get("mass-result-unknown", number=n, order_id=result.order_id or 0)
        case "failed":
            return i18n.get("mass-result-failed", number=n, order_id=result.order_id or 0,
                            reason=panel_reason(i18n, result.reason))  # fmt: skip
        case "insufficient":
            return i18n.get("mass-result-insufficient", number=n)
        case "price_changed":
            return i18n.get("mass-result-price-changed", number=n)
    return i18n.get("mass-result-unavailable", number=n)


def placed_count(batch: mass.BatchResult) -> int:
    return sum(1 for x in batch.lines if x.result and x.result.outcome in ("placed", "duplicate"))


def result(i18n: Translator, batch: mass.BatchResult, currency: str) -> list[str]:
    """One line per line of the list: its order number, or why there is none."""
    if batch.outcome == "insufficient":
        missing = format_amount(batch.missing, currency, i18n.locale)
        return [i18n.get("mass-insufficient", missing=missing)]
    if batch.outcome == "maintenance":
        return [i18n.get("order-maintenance")]
    if batch.outcome == "empty":
        return [i18n.get("mass-nothing-to-order")]
    placed = placed_count(batch)
    lines = [i18n.get("mass-result-title", placed=placed, total=len(batch.lines)), ""]
    lines += [_result_line(i18n, item, currency) for item in batch.lines]
    return split_lines(lines)
