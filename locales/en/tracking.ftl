track-started = ▶️ Your order #{ $order_id } ({ $service }) has started.
track-completed = ✅ Your order #{ $order_id } ({ $service }) is completed. Thank you!
track-partial =
    ⚠️ Your order #{ $order_id } ({ $service }) was delivered only in part.
    { $refund } for the undelivered part is back on your balance.
track-canceled =
    ❌ Your order #{ $order_id } ({ $service }) was canceled.
    { $refund } is back on your balance.
track-refunded =
    ↩️ Your order #{ $order_id } ({ $service }) was refunded.
    { $refund } is back on your balance.
track-btn-order = 📦 Open the order
track-refill-in-progress = 🔄 The refill of order #{ $order_id } is in progress.
track-refill-completed = ✅ The refill of order #{ $order_id } is completed.
track-refill-rejected = ❌ The refill of order #{ $order_id } was rejected by the provider.
track-refill-canceled = ❌ The refill of order #{ $order_id } was canceled by the provider.
track-refill-failed = ❌ The refill of order #{ $order_id } failed at the provider.
track-alert-order-errors =
    ⚠️ Order #{ $order_id } (panel id { $panel_order_id }): the panel answered with an error { $count } { $count ->
        [one] time
       *[other] times
    } in a row: { $error }
    Please check it on the panel.
track-alert-order-failed =
    ⚠️ The panel reports order #{ $order_id } (panel id { $panel_order_id }, { $service }) as failed.
    No automatic refund was made: check the panel and refund the user if needed.
track-alert-refill-errors =
    ⚠️ Refill { $refill_id } of order #{ $order_id }: the panel answered with an error { $count } { $count ->
        [one] time
       *[other] times
    } in a row: { $error }
track-alert-request-interrupted =
    ⚠️ A { $kind ->
        [refill] refill
       *[cancel] cancel
    } request for order #{ $order_id } (panel id { $panel_order_id }, user { $user_id }) was interrupted by a restart before the panel answered: it may or may not have reached the panel.
    It is closed, so the customer can ask again (the panel answers a repeat with "already requested"). Check the order in the panel if it matters.
track-alert-panel-down =
    🚨 The panel is unreachable: order statuses cannot be checked. I keep retrying with growing pauses.
    Last error: { $error }
track-alert-panel-back = ✅ The panel answers again (it was unreachable for about { $minutes } min).
track-btn-refill = 🔁 Request a refill
track-btn-cancel = ✖️ Cancel the order
track-btn-cancel-confirm = ✖️ Yes, cancel it
track-cancel-confirm = Cancel order #{ $order_id }? The provider decides; if it agrees, the money for the undelivered part comes back to your balance.
track-refill-accepted = 🔁 Refill requested for order #{ $order_id }. I will tell you when the provider finishes it.
track-cancel-accepted = ✖️ Cancellation requested for order #{ $order_id }. I will tell you when the provider confirms it; the money then comes back to your balance.
track-request-rejected =
    The provider declined the request for order #{ $order_id }.
    Reason: { $reason }
track-request-in-progress = A refill or cancel request for order #{ $order_id } is already in progress. Please wait for its result.
track-request-not-allowed = This is not available for order #{ $order_id } right now.
track-request-not-found = Order not found.
track-request-unavailable = The provider cannot be reached right now. Nothing was sent; please try again in a few minutes.
track-request-unknown = The provider did not confirm the request for order #{ $order_id }. Please check the order later before trying again.
track-partial-no-refund =
    ⚠️ Your order #{ $order_id } ({ $service }) was delivered only in part.
    The provider did not say how much is missing; our team is checking it and will return the money for any undelivered part.
track-alert-partial-no-remains =
    ⚠️ Order #{ $order_id } (panel #{ $panel_order_id }, { $service }) ended Partial without a usable remains ({ $remains }), so nothing was refunded automatically.
    Check it at the panel; refund the undelivered part with /order { $order_id }.
