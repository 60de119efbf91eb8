## Top-ups: receipts and notices to customers
payments-receipt-stars = ✅ Payment received: { $stars } ⭐ → { $amount }. Your balance: { $balance }.
payments-receipt-cryptopay = ✅ Payment received: { $paid } → { $amount }. Your balance: { $balance }.
payments-refunded =
    ↩️ { $stars } ⭐ were refunded to you, and { $amount } was taken from your balance.
    Your balance: { $balance }.

## Why a payment cannot go ahead (Telegram shows this on the payment screen)
payments-precheckout-invalid = This invoice is not valid. Please start a new top-up.
payments-precheckout-stale = This invoice has expired or was already paid. Please start a new top-up.
payments-precheckout-rate-changed = The Stars price has changed since this invoice was made. Please start a new top-up.
payments-precheckout-banned = Your account cannot top up. Please contact support.
payments-precheckout-maintenance = The shop is under maintenance. Please try again a little later.
payments-precheckout-unavailable = Payments in Stars are not available right now.

## A typed top-up amount that cannot be used
payments-amount-not-a-number = Please send just the amount as a number, for example 10 or 12.50.
payments-amount-not-positive = The amount must be more than zero.
payments-amount-too-precise = Please use at most two decimals, for example 12.50.
payments-amount-too-small = The smallest top-up is { $min }.
payments-amount-too-large = The largest top-up is { $max }.

## Operators' alerts
payments-alert-recovered =
    💫 Recovered a Stars payment whose update was lost: payment #{ $payment_id }, user { $user_id }, { $stars } ⭐ → { $amount } credited.
payments-alert-paid-twice =
    ⚠️ Payment #{ $payment_id }: user { $user_id } paid the same Stars invoice again ({ $stars } ⭐). { $amount } credited; refund with /refund { $payment_id } if needed.
payments-alert-other-payer =
    ⚠️ Payment #{ $payment_id }: user { $user_id } paid an invoice made for someone else ({ $stars } ⭐). { $amount } credited to the payer.
payments-alert-unmatched =
    ⚠️ Payment #{ $payment_id }: { $stars } ⭐ from user { $user_id } match no invoice of ours. Credited at the rate: { $amount }. Please check.
payments-alert-external-refund =
    ⚠️ Payment #{ $payment_id } of user { $user_id } ({ $stars } ⭐) was refunded outside the bot, but the { $amount } it credited is still on the balance.
payments-alert-amount-differs =
    ⚠️ Payment #{ $payment_id } of user { $user_id }: asked { $asked }, Crypto Pay reports { $paid }. The reported amount was credited.
payments-alert-currency-differs =
    ⚠️ Payment #{ $payment_id } of user { $user_id }: asked { $asked }, but the invoice was paid as { $paid }. Nothing was credited; please settle it by hand.
payments-alert-crypto-unknown =
    ⚠️ A paid Crypto Pay invoice ({ $invoice_id }, { $amount }) matches no payment of ours. Nothing was credited.
