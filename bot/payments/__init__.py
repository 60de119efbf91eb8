"""Payments: customers top up their balance with Telegram Stars and Crypto Pay.

`amounts` and `stars` are pure functions, `cryptopay` is a small typed client for the
Crypto Pay API, `service` moves the money (no aiogram here: handlers translate, this decides).
"""
