## Mass order: many orders from one list of lines

menu-mass = 📋 Mass order
mass-prompt =
    📋 Mass order: send a list, one order per line (at most { $max } lines):
    service id | link | quantity

    For example:
    2 | https://instagram.com/p/abc | 1000
    17 | https://t.me/mychannel | 500

    A tab or ; works as a separator too. Only services that need just a link and a quantity can be ordered this way; order the others from their card.
mass-too-many = That is more than { $max } lines. Please split the list and send at most { $max } lines at a time.
mass-summary-title = 📋 Your list: { $valid } of { $total } { $total ->
        [one] line
       *[other] lines
    } can be ordered.
mass-line-ok = { $number }. ✅ { $service } × { $quantity } → { $link }: { $price }
mass-line-flagged = ⚠️ You already have order #{ $order_id } ({ $status }) for this service and link.
mass-line-bad = { $number }. ❌ { $reason }
mass-reason-format = Not a line of “service id | link | quantity”.
mass-reason-service = Service { $service } is not available.
mass-reason-extras = “{ $service }” needs more details than a link and a quantity: order it from its card.
mass-summary-total = Total for { $count } { $count ->
        [one] line
       *[other] lines
    }: { $total }
mass-summary-flagged = With the { $count } { $count ->
        [one] line
       *[other] lines
    } marked ⚠️ (“Order anyway”): { $total }
mass-summary-balance = Your balance: { $balance }
mass-summary-missing = Not enough money: top up { $missing } or remove some lines.
mass-summary-fix-hint = To fix a line, send the whole list again. Lines marked ❌ are skipped.
mass-button-confirm = ✅ Confirm { $count } { $count ->
        [one] line
       *[other] lines
    }
mass-button-anyway = ⚠️ Order anyway ({ $count } { $count ->
        [one] line
       *[other] lines
    })
mass-button-cancel = ✖️ Cancel
mass-placing = ⏳ Placing { $count } { $count ->
        [one] order
       *[other] orders
    }…
mass-insufficient = Nothing was charged: the list needs { $missing } more than your balance. Top up, then send the list again.
mass-nothing-to-order = There is nothing to order in this list. Send the list again with lines that can be ordered.
mass-result-title = 📋 Mass order: { $placed } of { $total } { $total ->
        [one] line
       *[other] lines
    } placed.
mass-result-placed = { $number }. ✅ order #{ $order_id }, { $charge }
mass-result-unknown = { $number }. ⏳ order #{ $order_id } is being checked; your money is safe and you will be told the outcome.
mass-result-failed = { $number }. ❌ order #{ $order_id } was not placed, the money is back on your balance: { $reason }
mass-result-insufficient = { $number }. ❌ not placed: not enough money on your balance.
mass-result-price-changed = { $number }. ❌ not placed: the price has changed. Send the line again to see the new price.
mass-result-unavailable = { $number }. ❌ not placed: the service is not available now.
mass-result-error = { $number }. ❓ could not be placed; please check 📦 My orders before ordering it again.
mass-already-confirmed = This list has already been confirmed: nothing more was charged. See 📦 My orders.
mass-outdated = This summary is out of date. Please send your list again.
mass-result-later = 📋 Your mass order: { $placed } of { $total } { $total ->
        [one] line
       *[other] lines
    } placed. Each line's order is in 📦 My orders.
mass-line-repeats = ⚠️ The same service and link as line { $line }.
