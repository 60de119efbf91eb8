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

## The top-up screens
payments-button-topup = ➕ Top up
payments-button-preset = { $amount }
payments-button-other = ✏️ Other amount
payments-button-back = ⬅️ Back
payments-button-stars = ⭐ Pay { $stars } { $stars ->
        [one] Star
       *[other] Stars
    }
payments-button-crypto = 💎 Pay with crypto (CryptoBot)
payments-button-pay-crypto = 💎 Pay { $amount } in CryptoBot
payments-topup-title =
    ➕ Top up your balance
    How much do you want to add? Pick an amount or press “Other amount” (from { $min } to { $max }).
payments-topup-ask-amount = Send the amount in { $currency }, from { $min } to { $max }, for example 10 or 12.50.
payments-pay-title = Top-up of { $amount }. How do you want to pay?
payments-pay-stars = ⭐ Telegram Stars: { $stars } ⭐ (1 ⭐ = { $rate })
payments-pay-stars-too-large = ⭐ Telegram Stars: at most { $max } per top-up
payments-pay-crypto = 💎 Crypto in CryptoBot: { $assets }
payments-invoice-title = Balance top-up
payments-invoice-description = { $amount } will be added to your balance in the shop.
payments-invoice-label = Top-up { $amount }
payments-stars-failed = 😔 Telegram did not accept the invoice. Please try again a little later.
payments-crypto-description = Balance top-up: { $amount }
payments-crypto-created =
    💎 Your invoice for { $amount } is ready. Press the button below to pay in CryptoBot with { $assets }.
    It is valid for { $minutes } minutes. Once you have paid, the money reaches your balance within a minute and I will send you a receipt.
payments-crypto-unknown = ⏳ CryptoBot did not answer in time, so there is no payment link this time; we are checking what happened on our side. Please try again in a few minutes: nothing was charged.
payments-crypto-failed = 😔 CryptoBot could not make the invoice right now. Please try again later or choose another way to pay.
payments-unavailable = This way to pay is not available right now.

## Operators: payments and refunds
payments-method-stars = ⭐ Stars
payments-method-cryptopay = 💎 Crypto Pay
payments-status-created = invoice sent
payments-status-pending = awaiting payment
payments-status-paid = paid
payments-status-expired = expired
payments-status-refunding = refund in progress
payments-status-refunded = refunded
payments-status-canceled = canceled
payments-admin-list-title = 💳 Recent payments (UTC):
payments-admin-list-title-user = 💳 Recent payments of user { $user_id } (UTC):
payments-admin-list-empty = No payments yet.
payments-admin-line = #{ $payment_id } · { $when } · { $method } · { $paid } → { $amount } · { $status } · user { $user_id }
payments-admin-note = ⚠️ { $note }
payments-admin-usage-payments = Usage: /payments — recent payments; /payments <user id or @username> — one user's.
payments-admin-usage-refund = Usage: /refund <charge id or payment #> — refund a Stars payment; add “force” to take what the balance has when it no longer covers the amount.
payments-refund-done = ↩️ Payment #{ $payment_id }: { $stars } ⭐ refunded to user { $user_id }; { $debited } taken from their balance (now { $balance }).
payments-refund-done-short = ↩️ Payment #{ $payment_id }: { $stars } ⭐ refunded to user { $user_id }; { $debited } taken from their balance (now { $balance }), { $missing } could not be taken.
payments-refund-not-found = No payment “{ $ref }”: give the payment number (/payments lists them) or the Telegram charge id.
payments-refund-not-refundable = Payment #{ $payment_id } was not paid in Telegram Stars: only Stars payments can be refunded here.
payments-refund-not-paid = Payment #{ $payment_id } was never paid: nothing to refund.
payments-refund-already = Payment #{ $payment_id } is already refunded.
payments-refund-insufficient =
    Payment #{ $payment_id } was not refunded: user { $user_id } has { $balance }, { $missing } less than the { $amount } it credited (spent on orders since).
    To refund the Stars anyway and take what is there: /refund { $payment_id } force
payments-refund-failed =
    ⚠️ Payment #{ $payment_id }: { $debited } was taken from the balance, but Telegram refused the refund ({ $error }).
    The payment stays “refund in progress”: /refund { $payment_id } tries Telegram again (nothing is taken twice).

## /stats: income
payments-stats-title = 💳 Top-ups, last 7 days (UTC):
payments-stats-line = { $day } · { $method }: { $count } → { $credited }
payments-stats-line-refunded = { $day } · { $method }: { $count } → { $credited } (refunded { $refunded })
payments-stats-total-title = By method:
payments-stats-total = { $method }: { $count } → { $credited }
payments-stats-total-refunded = { $method }: { $count } → { $credited } (refunded { $refunded })
payments-stats-none = 💳 No top-ups in the last 7 days.

## Support: customers write to the operators
support-button = 💬 Write to support
support-intro-payments =
    💬 Help with payments
    A question about a top-up, a receipt or a refund? Send me one message now (text, a screenshot or a file) and I will pass it to the operators with your recent payments. Their answer will come to this chat.
    /cancel — never mind
support-intro-general =
    💬 Support
    Send me one message now (text, a screenshot or a file) and I will pass it to the operators. Their answer will come to this chat.
    /cancel — never mind
support-contact = You can also write to { $contact }.
support-sent = ✅ Sent to the operators. Their answer will come to this chat.
support-failed = 😔 Your message could not be passed on right now. Please try again a little later.
support-too-often = You have written to the operators several times in the last hour. Please wait for their answer.
support-not-a-command = Send the message for the operators (not a command), or /cancel.
support-reply-title = 💬 Answer from support:
support-topic-payments = payments
support-topic-general = general
support-admin-request =
    💬 Support request #{ $request_id } ({ $topic })
    From: { $name } { $username } (id { $user_id }), balance { $balance }
    Recent payments:
    { $payments }
    Reply to this message to answer the customer.
support-admin-delivered = ✅ Sent to user { $user_id }.
support-admin-blocked = ❌ Not delivered: the customer has blocked the bot.
support-admin-failed = ❌ Not delivered: Telegram refused the message. Please try again.
