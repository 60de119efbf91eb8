start-greeting =
    Hi, { $name }! 👋
    This shop sells social media promotion: followers, likes, views, comments and more.
    Pick a service in the catalog, pay from your balance and follow your orders right here.
menu-catalog = 🛍 Catalog
menu-search = 🔎 Search
menu-favourites = ⭐ Favourites
menu-orders = 📦 My orders
menu-balance = 💰 Balance
menu-support = 💬 Support
menu-language = 🌐 Language
menu-help = ❓ Help
menu-home = 🏠 Main menu
help-text =
    This shop sells social media promotion (followers, likes, views, comments…) from its provider. You pay from your balance here, in the chat, and I deliver the order and keep you posted.

    How it works:
    1. Open the 🛍 Catalog or 🔎 Search for a service.
    2. Press “Order” and answer a few questions (link, quantity…).
    3. Check the summary and confirm: the price is taken from your 💰 balance.
    4. Follow the progress in 📦 My orders; I will message you when the status changes.
    A question? Press 💬 Support in the menu.

    Commands:
    /start — main menu
    /orders — my orders
    /favourites — favourite services (⭐ on a service card); “🔁 Order again” on an order card repeats it
    /balance — balance and top-up
    /help — this help
    /language — change the language
    /cancel — stop what you are doing
    /paysupport — a question about a payment: write to the operators
language-choose = Choose your language:
language-changed = Done, I will speak English from now on.
language-name-en = 🇬🇧 English
language-name-ru = 🇷🇺 Русский
cancelled = Cancelled. What next?
banned-notice = Your access to this shop has been suspended. Please contact support.
error-generic = Something went wrong on our side. Please try again in a minute.
button-outdated = This button no longer works. Press /start for the menu.
unknown-input = Sorry, I did not understand that. I work with text and buttons: use the menu below.
cmd-start = Main menu
cmd-help = How to use the shop
cmd-language = Change the language
cmd-cancel = Cancel the current action

## Why the provider said no (customers never see the panel's own words)
panel-reason-invalid-link = the provider did not accept this link. Check that it is correct and public.
panel-reason-quantity = the quantity is outside what the provider accepts for this service.
panel-reason-invalid-input = the provider did not accept one of the details you entered.
panel-reason-service-unavailable = this service is not available at the moment.
panel-reason-duplicate = there is already an order in progress for this link. Wait until it is done.
panel-reason-provider-error = the provider could not take orders right now. Please try again later.
panel-reason-order-not-found = the provider could not find this order.
panel-reason-refill-not-available = a refill is not available for this order now.
panel-reason-cancel-not-available = this order can no longer be cancelled.
panel-reason-already-requested = a request for this order is already being handled.
panel-reason-busy = the provider is busy right now. Please try again in a minute.
panel-reason-unreachable = the provider could not be reached. Please try again in a few minutes.
panel-reason-other = the provider gave no usable reason.

cmd-paysupport = Help with payments
flood-slow-down = 🐢 That is a lot of messages at once. Please slow down a little: I will answer again in a few seconds.
cmd-orders = My orders
cmd-favourites = Favourite services
cmd-balance = Balance and top-up
