"""The payload of a `/start` deep link (`t.me/<bot>?start=<payload>`): what it asks to open.

One small parser, so every kind of link is read in one place: `svc-<id>` (a service card,
the inline mode's Order button), `order-<id>` (the customer's own order card), `ref-<code>`
(someone's invite link) and `promo-<code>` (redeem a promo code). Prefixes are read in any
case (a promo code is case-insensitive; an invite code is sent as given). Anything
else is no payload: the plain greeting. Telegram allows A-Z, a-z, 0-9, `_` and `-`, at most
64 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PAYLOAD_CHARS = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ORDER_ID = re.compile(r"^[0-9]{1,18}$")  # fits a signed 64-bit integer

PayloadKind = Literal["service", "order", "ref", "promo"]
PREFIXES: dict[str, PayloadKind] = {
    "svc-": "service",
    "order-": "order",
    "ref-": "ref",
    "promo-": "promo",
}


@dataclass(frozen=True)
class StartPayload:
    kind: PayloadKind
    value: str  # a service id (as the panel gives it), an order id (digits), or a code

    @property
    def order_id(self) -> int:
        return int(self.value)


def parse_start_payload(args: str | None) -> StartPayload | None:
    """What `/start <args>` asks to open, or None (no payload, or one not understood)."""
    if not args:
        return None
    text = args.strip()
    if not _PAYLOAD.match(text):
        return None
    for prefix, kind in PREFIXES.items():
        if text.lower().startswith(prefix):
            value = text[len(prefix) :]
            if not value or (kind == "order" and not _ORDER_ID.match(value)):
                return None
            return StartPayload(kind, value)
    return None


def ref_payload(code: str) -> str:
    """The payload of a customer's invite link (codes are made of letters and digits)."""
    return f"ref-{code}"


def service_payload(service_id: str) -> str | None:
    """The payload opening a service's card, or None for an id a link cannot carry."""
    payload = f"svc-{service_id}"
    return payload if _PAYLOAD.match(payload) else None
