"""Texts of the order dialog: each step's question, the priced summary, the outcome."""

from __future__ import annotations

from typing import Any

from bot.money import format_amount
from bot.services.order_input import (
    LINES_AS_QUANTITY,
    LIST_STEPS,
    InputError,
    ServiceLimits,
    Step,
    active_steps,
)
from bot.services.orders import placing
from bot.services.orders.queries import OrderView
from bot.services.orders.reorder import Refit
from bot.services.pricing import is_package
from bot.text import shorten
from bot.views.common import Translator, count, panel_reason
from bot.views.orders import status_text

LIST_PREVIEW_LINES = 3
PREVIEW_CHARS = 120
VALUE_CHARS = 200
WARNING = "⚠️ "
# answers that are numbers of things, written grouped the reader's way (`10 000`)
COUNT_STEPS = frozenset(
    {Step.QUANTITY, Step.RUNS, Step.INTERVAL, Step.SUB_MIN, Step.SUB_MAX, Step.SUB_POSTS}
)


def _label(step: Step) -> str:
    return step.value.replace("_", "-")


def answer_text(i18n: Translator, step: Step, value: Any) -> str:
    """An answer as the summary shows it: lists shortened to a few lines."""
    if value is None:
        return i18n.get("order-value-none")
    if step in LIST_STEPS:
        lines = [shorten(str(v), PREVIEW_CHARS) for v in value[:LIST_PREVIEW_LINES]]
        more = len(value) - len(lines)
        if more > 0:
            lines.append(i18n.get("order-list-more", count=more))
        return "\n" + "\n".join(lines)
    if step is Step.SUB_DELAY:
        return i18n.get("order-delay-button", minutes=int(value))
    if step in COUNT_STEPS:
        return count(i18n, int(value))
    return shorten(str(value), VALUE_CHARS)


def input_error(i18n: Translator, error: InputError) -> str:
    return WARNING + i18n.get(f"order-error-{error.code}", **error.params)


def not_text_error(i18n: Translator) -> str:
    return WARNING + i18n.get("order-error-not-text")


def question(
    i18n: Translator,
    service_name: str,
    limits: ServiceLimits,
    answers: dict[str, Any],
    step: Step,
    error: str | None = None,
) -> str:
    """The question of `step`: "step n of m", the error of the last answer if any, what to
    send, and the current answer when the step is asked again."""
    steps = active_steps(limits, answers)
    number = steps.index(step) + 1 if step in steps else 1
    parts = [i18n.get("order-step-header", service=service_name, step=number, steps=len(steps))]
    if error:
        parts.append(error)
    counted = "yes" if LINES_AS_QUANTITY.get(limits.kind) is step else "no"
    key = f"order-ask-{_label(step)}"
    parts.append(i18n.get(key, min=limits.min_qty, max=limits.max_qty, counted=counted))
    if step in answers and answers[step] is not None and step not in LIST_STEPS:
        parts.append(i18n.get("order-current-value", value=answer_text(i18n, step, answers[step])))
    return "\n\n".join(parts)


def summary(
    i18n: Translator,
    service_name: str,
    limits: ServiceLimits,
    answers: dict[str, Any],
    units: int,
    quote: placing.Quote,
) -> str:
    """Every answer, the price, the balance before and after (or what is missing)."""
    lines = [i18n.get("order-summary-title", service=service_name), ""]
    for step in active_steps(limits, answers):
        if answers.get(step) is None:
            continue  # skipped (drip-feed, posts, expiry): what was not asked is not shown
        label = i18n.get(f"order-label-{_label(step)}")
        lines.append(f"{label}: {answer_text(i18n, step, answers.get(step))}")
    # "units charged" only says something when it is not simply the quantity typed in
    # (drip-feed runs, subscriptions, one line per unit); packages are priced whole
    if str(answers.get("quantity")) != str(units) and not is_package(limits.kind):
        lines.append(i18n.get("order-summary-units", units=units))
    lines.append("")
    lines.append(
        i18n.get(
            "order-summary-price", price=format_amount(quote.charge, quote.currency, i18n.locale)
        )
    )
    lines.append(
        i18n.get(
            "order-summary-balance",
            balance=format_amount(quote.balance, quote.currency, i18n.locale),
        )
    )
    if quote.balance_after >= 0:
        after = format_amount(quote.balance_after, quote.currency, i18n.locale)
        lines.append(i18n.get("order-summary-after", balance=after))
        lines.append("")
        lines.append(i18n.get("order-summary-confirm-hint"))
    else:
        missing = format_amount(-quote.balance_after, quote.currency, i18n.locale)
        lines.append("")
        lines.append(i18n.get("order-summary-missing", missing=missing))
    return "\n".join(lines)


def outcome_message(
    i18n: Translator, result: placing.PlaceResult, currency: str
) -> tuple[str, dict[str, Any]]:
    """What Confirm came to, as a locale key and its parameters: shown on the order screen,
    or queued in the outbox when Telegram does not take the screen (the sender renders it)."""
    match result.outcome:
        case "placed":
            charge = format_amount(result.charge, currency, i18n.locale)
            return "order-placed", {"order_id": result.order_id or 0, "charge": charge}
        case "duplicate":
            return "order-duplicate", {"order_id": result.order_id or 0}
        case "failed" if result.panel_out_of_funds:
            return "order-failed-temporary", {}
        case "failed":
            # worded now, in the customer's language: the outbox renders parameters as given
            return "order-failed", {"reason": panel_reason(i18n, result.reason)}
        case "unknown":
            return "order-unknown", {"order_id": result.order_id or 0}
        case "insufficient":
            return "order-insufficient", {
                "missing": format_amount(result.missing, currency, i18n.locale)
            }
        case "maintenance":
            return "order-maintenance", {}
        case "price_changed":
            return "order-price-changed", {
                "price": format_amount(result.charge, currency, i18n.locale)
            }
    return "order-unavailable", {}


def outcome(i18n: Translator, result: placing.PlaceResult, currency: str) -> str:
    """What Confirm came to: placed, failed (and why), unknown, not enough money..."""
    key, params = outcome_message(i18n, result, currency)
    return i18n.get(key, **params)


def already_placed(i18n: Translator, order: OrderView, *, confirm: bool) -> str:
    """A button of a dialog that ended in an order: that order's number and status. `confirm`:
    the button was Confirm (nothing more was charged), else a navigation button (nothing
    was changed)."""
    key = "order-already-placed" if confirm else "order-dialog-ended"
    return i18n.get(key, order_id=order.id, status=status_text(i18n, order.status))


def same_link_warning(i18n: Translator, earlier: OrderView) -> str:
    """The same-link guard: an order of this service for this link is still running."""
    return WARNING + i18n.get(
        "order-same-link", order_id=earlier.id, status=status_text(i18n, earlier.status)
    )


def reorder_change(i18n: Translator, order_id: int, refit: Refit) -> str:
    """Why "Order again" asks this step again: what changed since order `order_id`."""
    if refit.change == "invalid" and refit.error is not None:
        why = i18n.get(f"order-error-{refit.error.code}", **refit.error.params)
        return WARNING + i18n.get("order-again-changed", order_id=order_id, why=why)
    key = "order-again-new-step" if refit.change == "new-step" else "order-again-type-changed"
    return WARNING + i18n.get(key, order_id=order_id)
