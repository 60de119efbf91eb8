"""Keyboards for the order dialog (owned by the order-dialog feature)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class OrderStartCb(CallbackData, prefix="buy"):
    """The "Order" button on a service card."""

    service_id: str
