"""Deep links: what follows /start (`t.me/<bot>?start=<payload>`).

Parsing is one small function so that other payloads (svc-, order- ...) slot in beside these:
- `ref-<code>`: the user came through someone's invite link;
- `promo-<code>`: redeem a promo code straight away.
"""

from __future__ import annotations

from typing import Literal

PayloadKind = Literal["ref", "promo"]
_PREFIXES: dict[str, PayloadKind] = {"ref-": "ref", "promo-": "promo"}


def parse_start_payload(payload: str | None) -> tuple[PayloadKind, str] | None:
    """(kind, value) of a deep-link payload; None when there is none or it is not ours."""
    payload = (payload or "").strip()
    for prefix, kind in _PREFIXES.items():
        if payload.lower().startswith(prefix) and len(payload) > len(prefix):
            return kind, payload[len(prefix) :]
    return None
