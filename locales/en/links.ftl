## Inline mode (@bot words) and deep links (t.me/bot?start=...)

inline-title = { $name } (#{ $id })
inline-description = { $price } per 1000 · { $min }–{ $max }
inline-description-package = { $price } per package
inline-card = 🛍 { $name } (#{ $id })
inline-order-button = 🛒 Order
inline-open-bot = Type a service name or id, or open the shop
start-service-unavailable = This service is not available (any more). Have a look at the catalog for another one.
start-order-not-found = There is no such order among yours. Your orders are in 📦 My orders.
