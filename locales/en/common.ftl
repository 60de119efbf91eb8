start-greeting =
    Hi, { $name }! 👋
    This shop sells social media promotion: followers, likes, views, comments and more.
    Pick a service in the catalog, pay from your balance and follow your orders right here.
menu-catalog = 🛍 Catalog
menu-search = 🔎 Search
menu-orders = 📦 My orders
menu-balance = 💰 Balance
menu-language = 🌐 Language
menu-help = ❓ Help
menu-home = 🏠 Main menu
help-text =
    How it works:
    1. Open the 🛍 Catalog or 🔎 Search for a service.
    2. Press “Order” and answer a few questions (link, quantity…).
    3. Check the summary and confirm: the price is taken from your 💰 balance.
    4. Follow the progress in 📦 My orders; I will message you when the status changes.

    Commands:
    /start — main menu
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
cmd-paysupport = Help with payments
