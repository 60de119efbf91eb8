"""Keyboards for "My orders" and the order card (owned by the orders feature)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class OrderCb(CallbackData, prefix="o"):
    """action: view | refresh | refill | cancel | list ; order_id is our id; page for lists."""

    action: str
    order_id: int = 0
    page: int = 0
