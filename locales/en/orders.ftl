## Order statuses (reused by notifications and the admin screens)
order-status-submitting = ⏳ Being placed
order-status-unknown = 🔍 Being checked
order-status-failed = ❌ Failed, money returned
order-status-pending = 🕓 Pending
order-status-in_progress = 🚀 In progress
order-status-processing = ⚙️ Processing
order-status-completed = ✅ Completed
order-status-partial = ◐ Partially completed
order-status-canceled = 🚫 Canceled
order-status-refunded = ↩️ Refunded
order-status-active = 🔄 Active
order-status-error = ⚠️ Error at the provider
order-status-other = ❔ { $status }

## Balance
orders-balance-title = 💰 Your balance: { $balance }
orders-balance-history-title = Recent movements:
orders-balance-history-empty = No movements yet.
orders-balance-line = { $date } UTC · { $kind } · { $amount }
orders-balance-line-order = { $date } UTC · { $kind } #{ $order_id } · { $amount }
orders-balance-topup = To add money, press “➕ Top up”.
orders-balance-topup-support =
    How to top up: press “💬 Write to support” and tell the operators how much you want to add.
    They top up your balance and I will let you know when the money arrives.
orders-ledger-kind-charge = Order
orders-ledger-kind-refund = Refund
orders-ledger-kind-credit = Credit
orders-ledger-kind-debit = Debit
orders-ledger-kind-topup = Top-up
orders-ledger-kind-topup-stars = Top-up (Telegram Stars)
orders-ledger-kind-topup-cryptopay = Top-up (crypto)
orders-ledger-kind-topup-refund = Stars refund
orders-ledger-kind-other = Other

## My orders
orders-list-title = 📦 Your orders (page { $page } of { $pages }):
orders-list-line = #{ $order_id } · { $service } · { $status }
orders-list-empty = You have no orders yet. Pick a service in the catalog to place your first one.
orders-button-open = #{ $order_id } · { $service }
orders-button-prev = ◀️ Previous
orders-button-next = Next ▶️
orders-button-page = { $page }/{ $pages }
orders-button-catalog = 🛍 Catalog
orders-button-refresh = 🔄 Refresh
orders-button-again = 🔁 Order again
orders-button-back-to-list = 📦 My orders
orders-not-found = Order not found.
orders-refresh-failed = ⚠️ Could not refresh the status right now. Please try again later.
orders-refreshed = Status updated.

## The order card
orders-card-title = 📦 Order #{ $order_id }
orders-card-service = Service: { $service }
orders-card-link = Link: { $link }
orders-card-quantity = Quantity: { $quantity }
orders-card-price = Paid: { $price }
orders-card-refunded = Returned to your balance: { $amount }
orders-card-status = Status: { $status }
orders-card-start-count = Start count: { $start_count }
orders-card-remains = Remains: { $remains }
orders-card-progress = Progress: { $bar } { $percent }%
orders-card-created = Created: { $date } UTC
orders-card-unknown-note = We are checking this order with the provider. Your money is safe: it is either delivered or returned.

## Placing (texts for the order dialog's result screens)
orders-placed = ✅ Order #{ $order_id } is placed. { $price } was taken from your balance. I will message you when the status changes.
orders-place-failed = ❌ The provider did not accept the order: { $reason }. The money is back on your balance.
orders-place-failed-no-reason = ❌ The order could not be placed. The money is back on your balance.
orders-place-unavailable-now = 😔 This service is temporarily unavailable. The money is back on your balance; please try again later.
orders-place-unknown = ⏳ Order #{ $order_id } is being checked with the provider. Your money is held safely: you get either the order or a refund. We will message you.
orders-place-insufficient = Not enough money on your balance: { $missing } more is needed.
orders-place-duplicate = This order was already placed: #{ $order_id }.
orders-place-unavailable = This service cannot be ordered right now. Please choose another one.
orders-place-maintenance = 🛠 The shop is under maintenance. Please try again a little later.

## Operator alerts (sent to the admin group)
alert-order-failed =
    ❌ Order #{ $order_id } failed and was refunded.
    User: { $user_id }
    Service: { $service }
    Price: { $charge }
    Link: { $link }
    Panel said: { $reason }
alert-order-unknown =
    🔍 Order #{ $order_id } needs checking: the panel's answer was lost, the order may or may not exist there.
    The user's money is held. Find it in the panel and resolve it.
    User: { $user_id }
    Service: { $service }
    Price: { $charge }
    Link: { $link }
    Reason: { $reason }
alert-order-warning =
    ⚠️ Order #{ $order_id } was placed (panel order { $panel_order_id }), but the panel's answer also carried an error. The order stands and the customer was charged; check it in the panel.
    User: { $user_id }
    Service: { $service }
    Price: { $charge }
    Link: { $link }
    Panel said: { $reason }
alert-panel-funds =
    💸 The panel account is out of funds: order #{ $order_id } was refused and refunded. Top up the panel balance.
    User: { $user_id }
    Service: { $service }
    Price: { $charge }
    Panel said: { $reason }
