catalog-categories =
    🛍 Catalog, categories: { $total }.
    Pick one, or send me any words to search.
catalog-empty = The catalog is empty right now. Please come back a little later.
catalog-category-button = { $name } ({ $count })
catalog-services =
    📂 { $category }, services: { $total }.
    Prices are per 1000 unless marked “package”. Pick a service to see the details.
catalog-category-empty = This category has nothing to offer right now. Pick another one:
catalog-service-button = { $name } — { $price }
catalog-price-per-1000 = { $price } / 1000
catalog-price-per-package = { $price } / package
catalog-prev = ◀️ Previous
catalog-next = Next ▶️
catalog-page = { $page } / { $pages }
catalog-back = ⬅️ Back
catalog-back-categories = 📂 Categories
catalog-search-button = 🔎 Search
catalog-search-again = 🔎 New search
catalog-order-button = 🛒 Order
catalog-yes = yes
catalog-no = no
catalog-minutes = { $minutes } min
catalog-card-title = { $name } (#{ $id })
catalog-card-category = Category: { $category }
catalog-card-price = Price: { $price } per 1000
catalog-card-price-package = Price: { $price } per package
catalog-card-limits = Quantity: from { $min } to { $max }
catalog-card-refill = Refill: { $answer }
catalog-card-cancel = Cancel: { $answer }
catalog-card-dripfeed = Drip-feed: available
catalog-card-average-time = Average time: { $time }
catalog-card-unavailable = ⚠️ This service is not available at the moment.
catalog-service-gone = This service no longer exists. Please pick another one.
catalog-search-prompt =
    🔎 Send me a few words from the service name or category (for example “instagram likes”), or a service number.
catalog-search-expired = This search has expired. Send me the words again:
catalog-search-results = 🔎 “{ $query }”, services found: { $total }.
catalog-search-none =
    Nothing found for “{ $query }”.
    Try fewer or shorter words (for example “likes” instead of “likes for my reels”), check the spelling, or browse the catalog.

## Favourites
favourites-title = ⭐ Your favourite services ({ $total }):
favourites-empty = ⭐ You have no favourites yet. Open a service in the catalog and press “☆ Add to favourites”.
favourites-some-unavailable = Services marked 🚫 are no longer available and cannot be ordered; remove them from their card.
favourites-add = ☆ Add to favourites
favourites-remove = ⭐ Remove from favourites
favourites-added = Added to favourites.
favourites-removed = Removed from favourites.
favourites-unavailable-button = 🚫 { $name } · unavailable
favourites-full = You already have { $max } favourites. Remove some before adding more.
