"""Payments: customers top up their balance with Telegram Stars and Crypto Pay.

- `amounts`: a typed top-up amount -> micro-units or a TopupAmountError with a code;
- `stars`: Stars arithmetic (rounded up) and the invoice payload (pure functions);
- `cryptopay`: a small typed client for the Crypto Pay API, with the panel client's errors;
- `models`: PaymentConfig (settings in micro-units) and the results passed around;
- `service`: the Stars money flows; `crypto_service`: the Crypto Pay ones; `reports`: reads.
No aiogram here: handlers translate, these modules decide.
"""
