## Operators' room (the admin group). Amounts arrive formatted, numbers as strings.

admin-cmd-help = Operator commands
admin-cmd-stats = Users, orders, turnover, margin, panel balance
admin-cmd-user = A user's profile: /user <id or @username>
admin-cmd-credit = Add money: /credit <user> <amount> [note]
admin-cmd-debit = Take money: /debit <user> <amount> [note]
admin-cmd-order = An order's card: /order <our id or panel id>
admin-cmd-unknown = Orders with an unknown outcome
admin-cmd-sync = Sync the catalog with the panel now
admin-cmd-markup = Show or set the markup
admin-cmd-hide = Hide a service: /hide <service id>
admin-cmd-show = Show a hidden service: /show <service id>
admin-cmd-ban = Ban a user: /ban <user>
admin-cmd-unban = Unban a user: /unban <user>
admin-cmd-broadcast = Reply to a message to send it to every user
admin-cmd-maintenance = Pause ordering: /maintenance on|off
admin-cmd-audit = The last admin actions
admin-cmd-payments = Recent top-ups: /payments [user]
admin-cmd-refund = Refund a Stars payment: /refund <charge id or #> [force]
admin-cmd-export = CSV file: /export orders|users|ledger [from] [to]

admin-help =
    Operator commands (this group only):
    /stats — users, orders, turnover, margin, panel balance
    /user <id or @username> — profile, balance, ledger, orders; credit, debit, ban
    /credit <user> <amount> [note] — add money to a user's balance (e.g. /credit 12345 10.50 bonus)
    /debit <user> <amount> [note] — take money from a user's balance
    /order <our id or panel id> — order card: refresh, refund, repeat the notification
    /unknown — orders whose placement outcome is unknown: settle them
    /sync — sync the catalog with the panel now
    /markup — show the markup; /markup 25 — global; /markup cat <id> 30|off; /markup svc <id> 15|off
    /hide <service id>, /show <service id> — take a service out of the shop or put it back
    /ban <user>, /unban <user> — block or restore a user's access
    /broadcast — as a reply to a message here: copy it to every user
    /maintenance on|off — stop or resume ordering (tracking goes on)
    /audit — who did what, and when
    /payments [user] — recent top-ups (of everyone, or of one user)
    /refund <charge id or payment #> [force] — refund a Stars payment: the amount is taken from the balance first; force takes what is there when it no longer covers it
    /promo add CODE 5 | 10%:topup | 10%:order [uses=N] [per_user=1] [until=YYYY-MM-DD] [min_topup=X] — make a promo code (amount to the balance, bonus on the next top-up, or discount on the next order; until = last UTC day); /promo list; /promo off CODE
    /referral <percent> — what inviters earn of their invited users' settled orders (0 = off)
    /export orders|users|ledger [from] [to] — a CSV file (dates YYYY-MM-DD, UTC, both included)
    A reply here to a customer's support request is sent to that customer.
admin-unavailable = unavailable

admin-audit-empty = No admin actions recorded yet.
admin-audit-title = Last admin actions (UTC):
admin-audit-line = { $when } · { $admin } · { $action } { $target } { $details }

admin-stats =
    📊 Statistics
    Users: { $users } (active: { $active_day } in 24 h, { $active_week } in 7 days), blocked the bot: { $blocked }, banned: { $banned }
    Orders today (UTC) / 7 days / all time: { $orders_today } / { $orders_week } / { $orders_total }
    By status (today / 7 days / all):
    { $by_status }
    Turnover (charges minus refunds): { $turnover } (7 days: { $turnover_week })
    Panel cost: { $cost }
    Margin: { $margin } (7 days: { $margin_week })
    Panel balance: { $balance }
admin-stats-status-line = { $status }: { $today } / { $week } / { $total }

admin-ledger-line = { $when } { $amount } { $kind } ({ $ref })
admin-status-line = { $when } { $old } → { $new }
admin-order-line = #{ $id } { $status } · { $service } · { $charge }
admin-flag-banned = banned
admin-flag-blocked = blocked the bot
admin-user-card =
    👤 User { $id } { $username } ({ $name })
    Language: { $language }
    Balance: { $balance }
    First seen: { $first_seen }, last seen: { $last_seen } (UTC)
    Flags: { $flags }

    Last balance entries:
    { $ledger }

    Last orders:
    { $orders }
admin-usage-user = Usage: /user <id or @username>
admin-user-not-found = No user “{ $query }”. Use the numeric id or @username of someone who has started the bot.

admin-usage-credit = Usage: /credit <user> <amount> [note], e.g. /credit 12345 10.50 bonus
admin-usage-debit = Usage: /debit <user> <amount> [note], e.g. /debit @alice 5 correction
admin-bad-amount = “{ $amount }” is not an amount I can accept. Write a positive number such as 10, 10.50 or $10 (at most 1,000,000).
admin-credit-done = ✅ Credited { $amount } to user { $user }. New balance: { $balance }. The user has been notified.
admin-debit-done = ✅ Debited { $amount } from user { $user }. New balance: { $balance }. The user has been notified.
admin-money-duplicate = This command was already applied; nothing changed. Balance of user { $user }: { $balance }.
admin-debit-insufficient = ❌ Not debited: user { $user } has only { $balance }, less than { $amount }.
admin-how-credit = To credit user { $user }, send: /credit { $user } <amount> [note]
admin-how-debit = To debit user { $user }, send: /debit { $user } <amount> [note]

admin-usage-ban = Usage: /ban <id or @username>
admin-usage-unban = Usage: /unban <id or @username>
admin-banned = 🚫 User { $user } is banned: they get a short notice and nothing else.
admin-unbanned = ✅ User { $user } is unbanned.
admin-ban-unchanged = Nothing to change for user { $user }.

admin-usage-order = Usage: /order <our order id or the panel's order id>
admin-order-not-found = No order “{ $query }”.
admin-order-card =
    📦 Order #{ $id } — { $status }
    User: { $user }
    Service: { $service }
    Panel order: { $panel_order_id }
    Link: { $link }
    Quantity: { $quantity }
    Charged: { $charge }, refunded: { $refunded }, panel cost: { $cost }
    Start count: { $start_count }, remains: { $remains }
    Error: { $error }
    Created: { $created }, status since: { $changed } (UTC)

    History:
    { $history }
admin-refresh-no-panel-id = This order has no panel id yet: there is nothing to ask the panel.
admin-panel-error = The panel did not answer. Try again in a minute.
admin-refreshed = Status refreshed.
admin-refund-done = Order #{ $id }: { $amount } refunded to the user, who has been notified.
admin-refund-already = Order #{ $id } has already been refunded; nothing changed.
admin-renotify-done = The last notification about this order is queued again.
admin-renotify-none = There is no notification about this order to repeat.

admin-unknown-none = No orders with an unknown outcome. 👍
admin-unknown-title =
    ❓ Orders with an unknown outcome: { $total } (showing { $shown }).
    Check each one in the panel's order list, then press “placed” (and send the panel's order id) or “not placed” (the user gets the money back).
admin-unknown-line =
    #{ $id } · user { $user } · { $service } · { $charge }
    { $created } UTC · { $error }
admin-btn-placed-n = ✅ #{ $id } placed
admin-btn-not-placed-n = ↩️ #{ $id } not placed
admin-not-unknown = Order #{ $id } is no longer waiting for a decision; nothing changed.
admin-ask-panel-id = Send the panel's order id for order #{ $id } in your next message.
admin-bad-panel-id = That does not look like a panel order id (letters, digits, - or _); nothing changed. Press the button again to retry.
admin-panel-id-taken = That panel order id already belongs to our order #{ $other }. Nothing changed.
admin-resolved-placed = ✅ Order #{ $id } is panel order #{ $panel_order_id } and is tracked again. The user has been notified.
admin-resolved-not-placed = ↩️ Order #{ $id } marked as not placed; { $amount } refunded. The user has been notified.

admin-sync-failed = The catalog sync failed: the panel did not answer. Try again later.
admin-sync-done =
    🔄 Catalog synced: { $total } services.
    Added: { $added }, removed: { $removed }, back: { $restored }, price changes: { $price_changes }, unknown types (not offered): { $unknown_types }
    Entries skipped as unusable (not sold): { $skipped }
    { $skipped_list }
    Biggest price changes:
    { $biggest }

admin-markup-overview =
    💹 Global markup: { $percent }% ({ $source })
    Overrides:
    { $overrides }
admin-markup-from-settings = from MARKUP_PERCENT
admin-markup-from-command = set with /markup
admin-markup-cat-line = category { $id } { $name }: { $percent }%
admin-markup-svc-line = service #{ $id } { $name }: { $percent }%
admin-bad-percent = “{ $value }” is not a markup I can accept: write a percentage from -99 to 10000, e.g. 25 or 12.5.
admin-markup-global-set = ✅ Global markup is now { $percent }%. Prices follow at once.
admin-usage-markup = Usage: /markup, /markup 25, /markup cat <category id> 30|off, /markup svc <service id> 15|off
admin-markup-cat-not-found = No category { $id }.
admin-markup-svc-not-found = No service #{ $id }.
admin-markup-cat-set = ✅ Category { $id } ({ $name }) markup: { $percent }.
admin-markup-svc-set = ✅ Service #{ $id } ({ $name }) markup: { $percent }.

admin-usage-hide = Usage: /hide <service id>
admin-usage-show = Usage: /show <service id>
admin-service-not-found = No service #{ $id }.
admin-service-unchanged = Service #{ $id } already is that way; nothing changed.
admin-service-hidden = 🙈 Service #{ $id } is hidden from the shop.
admin-service-shown = 👀 Service #{ $id } is back in the shop.

admin-maintenance-state = Maintenance mode is { $state }.
admin-usage-maintenance = Usage: /maintenance on|off
admin-maintenance-on = 🛠 Maintenance is on: users cannot place orders. Tracking goes on.
admin-maintenance-off = ✅ Maintenance is off: ordering is open again.
admin-maintenance-notice = 🛠 The shop is under maintenance: new orders are paused for a short while. Your existing orders are still tracked.

admin-usage-broadcast = Reply with /broadcast to the message (text, photo…) you want to send to every user.
admin-broadcast-repeat = That message has already been broadcast ({ $total } recipients); nothing new was queued.
admin-broadcast-progress = 📣 Broadcasting to { $total }: sent { $sent }, blocked { $blocked }, failed { $failed }, queued { $queued }…
admin-broadcast-done = 📣 Broadcast finished: { $total } recipients, sent { $sent }, blocked { $blocked }, failed { $failed }.

admin-btn-credit = ➕ Credit
admin-btn-debit = ➖ Debit
admin-btn-ban = 🚫 Ban
admin-btn-unban = ✅ Unban
admin-btn-refresh = 🔄 Refresh status
admin-btn-refund = ↩️ Mark refunded
admin-btn-renotify = 🔔 Repeat notification
admin-btn-placed = ✅ Placed as panel order #…
admin-btn-not-placed = ↩️ Not placed, refund

## Messages to users

admin-notify-credit =
    💰 { $amount } has been added to your balance.
    Balance: { $balance }
    Note: { $note }
admin-notify-debit =
    💰 { $amount } has been taken from your balance.
    Balance: { $balance }
    Note: { $note }
admin-notify-order-refunded = ↩️ Order #{ $order_id }: { $amount } has been returned to your balance.
admin-notify-order-placed = ✅ Order #{ $order_id }: we checked with the provider, and the order went through. It is being processed; I will tell you when its status changes.
admin-notify-order-not-placed = ↩️ Order #{ $order_id }: we checked with the provider, and the order did not go through. { $amount } has been returned to your balance.

## Alerts in the group

admin-alert-low-balance =
    ⚠️ Panel balance is low: { $balance } (alert threshold { $threshold }).
    Top up the panel account soon, or new orders will fail.
admin-alert-catalog =
    🔄 The catalog changed at the automatic sync ({ $total } services).
    Added: { $added }, removed: { $removed }, back: { $restored }, price changes: { $price_changes }, unknown types (not offered): { $unknown_types }
    Entries skipped as unusable (not sold): { $skipped }
    { $skipped_list }
    Unknown types: { $unknown_list }
    Biggest price changes:
    { $biggest }
    Check the markup (/markup) if prices moved a lot; removed services are no longer sold.
admin-refund-busy = Order #{ $id } is being placed at the panel right now; nothing changed. Its outcome decides; look again in a minute.
admin-stats-balance-stale = { $balance } (⚠️ stale: read { $minutes } min ago; the panel does not answer now)

export-usage =
    Usage: /export orders|users|ledger [from] [to]
    Dates are YYYY-MM-DD (UTC), both days included; without them, everything.
    Example: /export orders 2026-01-01 2026-01-31
export-admin-done = { $kind }: { $rows } rows.
export-failed = Could not send the file; please try again later.
