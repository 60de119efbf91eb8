## The order dialog

order-step-header = 🛒 { $service }
    Step { $step } of { $steps }
order-current-value = Now: { $value }. Send a new value or go on with the buttons.
order-value-none = —
order-list-more = …and { $count } more
order-delay-button = { $minutes } min
order-skip = ⏭ Skip
order-skip-runs = ⏭ No drip-feed
order-back = ⬅️ Back
order-cancel = ✖️ Cancel
order-confirm = ✅ Confirm and pay
order-top-up = 💰 Top up the balance
order-view-order = 📦 Open the order

## Questions

order-ask-link =
    Send the link to the post or page, like https://instagram.com/p/abc
order-ask-quantity =
    How many? Pick one below or send a whole number from { $min } to { $max }.
order-ask-runs =
    Drip-feed: the order can be split into several runs, delivered with a pause between them.
    Send the number of runs (2 to 1000), like 5. The quantity you chose is delivered in every run.
    Or press “No drip-feed” to get everything at once.
order-ask-interval =
    How many minutes between runs? Send a number from 1 to 43200, like 60.
order-ask-comments =
    Send the comments, one per line, like:
    Great photo! 😍
    Love this
    { $counted ->
        [yes] Each line is one comment; send from { $min } to { $max } lines.
       *[no] Each line is one comment.
    }
order-ask-usernames =
    Send the usernames, one per line, like:
    @username1
    username2
    { $counted ->
        [yes] Each line counts as one; send from { $min } to { $max } lines.
       *[no] { "" }
    }
order-ask-hashtags =
    Send the hashtags, one per line, like:
    #travel
    summer
order-ask-hashtag =
    Send the hashtag to take usernames from, like #travel
order-ask-username =
    Send the username of the comment owner, like @username
order-ask-profile =
    Send the link to the profile whose followers should be mentioned, like https://instagram.com/username
order-ask-media =
    Send the link to the post whose likers should be mentioned, like https://instagram.com/p/abc
order-ask-answer-number =
    Which answer should get the votes? Send its number, like 1 for the first answer.
order-ask-groups =
    Send the groups to invite from, one per line, like:
    https://t.me/group_one
    @group_two
order-ask-sub-username =
    Send the username or the profile link to follow, like @channel or https://t.me/channel
order-ask-sub-min =
    Minimum quantity for every new post: a whole number from { $min } to { $max }, like { $min }.
order-ask-sub-max =
    Maximum quantity for every new post: a whole number from { $min } to { $max }, not below the minimum.
order-ask-sub-posts =
    How many new posts should get it? Send a number, like 10, or press “Skip” for no limit.
order-ask-sub-delay =
    How long to wait after a new post before starting, in minutes? Pick a button.
order-ask-sub-expiry =
    Until which date? Send it as day/month/year, like 31/12/2025, or press “Skip” for no end date.

## Summary labels

order-label-link = 🔗 Link
order-label-quantity = 🔢 Quantity
order-label-runs = 🔁 Runs
order-label-interval = ⏱ Minutes between runs
order-label-comments = 💬 Comments
order-label-usernames = 👤 Usernames
order-label-hashtags = #️⃣ Hashtags
order-label-hashtag = #️⃣ Hashtag
order-label-username = 👤 Username
order-label-profile = 👤 Profile
order-label-media = 🖼 Post
order-label-answer-number = 🗳 Answer number
order-label-groups = 👥 Groups
order-label-sub-username = 👤 Account
order-label-sub-min = ⬇️ Minimum per post
order-label-sub-max = ⬆️ Maximum per post
order-label-sub-posts = 📝 Posts
order-label-sub-delay = ⏱ Delay
order-label-sub-expiry = 📅 Until

## Summary

order-summary-title = 🧾 Your order: { $service }
order-summary-units = 📦 Units charged: { $units }
order-summary-price = 💵 Total: { $price }
order-summary-balance = 💰 Your balance: { $balance }
order-summary-after = 💰 After the order: { $balance }
order-summary-confirm-hint = Check everything and press “Confirm and pay”.
order-summary-missing = ❗ Not enough money: { $missing } is missing. Top up the balance, then come back.

## Outcomes

order-placing = ⏳ Placing your order…
order-placed = ✅ Order #{ $order_id } is placed. { $charge } was taken from your balance. I will tell you when its status changes.
order-duplicate = ✅ This order is already placed: #{ $order_id }.
order-failed = ❌ The order was not accepted: { $reason }
    Your money was returned to your balance.
order-failed-temporary = ❌ This service is temporarily unavailable. Your money was returned to your balance. Please try again later.
order-unknown = ⏳ Order #{ $order_id }: we could not get a clear answer from the provider and are checking it now. Your money is held, not lost: if the order did not go through, it comes back to your balance.
order-insufficient = ❗ Not enough money on your balance: { $missing } is missing. Top up and try again.
order-maintenance = 🛠 Ordering is paused for maintenance. Please try again a little later.
order-unavailable = 😔 This service is no longer available. Please pick another one in the catalog.
order-expired = This order dialog is already over.
order-already-placed = ✅ Order #{ $order_id } is already placed, nothing more was charged. Its status: { $status }.
order-dialog-ended = This order dialog is over: it became order #{ $order_id } ({ $status }). Nothing was changed.
order-interrupted = ⏳ Order #{ $order_id }: placing it was interrupted by a restart on our side, so we are checking with the provider whether it went through. Your money is safe: you get either the order or a full refund, and I will message you when it is settled.
order-outdated = ⚠️ This summary is outdated, nothing was ordered. Start the order again from the catalog.
order-cancelled = Order cancelled, nothing was charged. What next?
order-use-buttons = Please use the buttons under the summary: confirm, go back or cancel.

## Input errors

order-error-not-text = Please send this as a text message.
order-error-empty = The answer is empty. Please send some text.
order-error-too-long = That is too long: at most { $max } characters.
order-error-link-too-long = The link is too long: at most { $max } characters.
order-error-link-spaces = A link cannot contain spaces or hidden characters. Send just the link.
order-error-link-invalid = That does not look like a link. Send a full address that starts with https://, like https://instagram.com/p/abc
order-error-link-mixed-script = The address mixes letters of different alphabets (for example a Cyrillic letter that looks like a Latin one), so the order would go nowhere. Type it again in one alphabet or copy the link from the app.
order-error-number-too-big = That number is too big (more than { $max_digits } digits).
order-error-number-positive = Please send a number greater than zero.
order-error-number-whole = Please send a whole number without dots or decimals, like 1000.
order-error-number-invalid = Please send just a number, like 1000.
order-error-range = Please send a number from { $min } to { $max }.
order-error-quantity-range = The quantity must be from { $min } to { $max }.
order-error-runs-range = The number of runs must be from { $min } to { $max }.
order-error-interval-range = The interval must be from { $min } to { $max } minutes.
order-error-answer-range = The answer number must be from { $min } to { $max }.
order-error-posts-range = The number of posts must be from { $min } to { $max }.
order-error-sub-max-below-min = The maximum cannot be below the minimum ({ $min }).
order-error-username-invalid = That does not look like a username. Use letters, digits, dots and underscores, like @username.
order-error-hashtag-invalid = That does not look like a hashtag. Use one word without spaces, like #travel.
order-error-list-too-many = Too many lines: at most { $max }.
order-error-list-line-too-long = Line { $line } is too long: at most { $max } characters a line.
order-error-list-line-invalid = Line { $line } is not valid. Please fix it and send the whole list again.
order-error-list-count = You sent { $count } lines; this service needs from { $min } to { $max }.
order-error-expiry-format = Please send a real date as day/month/year, like 31/12/2025.
order-error-expiry-past = That date is not in the future. Please send a later date.
order-error-expiry-far = That date is too far away: at most { $years } { $years ->
        [one] year
       *[other] years
    } from now.
order-error-delay-invalid = Please pick one of the buttons: { $choices } minutes.
order-price-changed = 💱 The price changed since your summary: it is now { $price }. Nothing was charged; please start the order again to see the new summary.

## Same link guard
order-same-link =
    You already have order #{ $order_id } for this service and this link, and it is not finished yet ({ $status }).
    Order it once more anyway?
order-same-link-anyway = ✅ Order anyway
order-same-link-open = 📦 Open the earlier order

## Order again
order-again-unavailable = 😔 The service of order #{ $order_id } can no longer be ordered. Please pick another one in the catalog.
order-again-changed = The service has changed since order #{ $order_id }, so your earlier answer no longer fits: { $why }
order-again-new-step = The service has changed since order #{ $order_id }: it now needs one more answer.
order-again-type-changed = The service has changed since order #{ $order_id }: some of your earlier answers no longer apply. Please check this one.
