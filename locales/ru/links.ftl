## Инлайн-режим (@bot слова) и ссылки на бота (t.me/bot?start=...)

inline-title = { $name } (#{ $id })
inline-description = { $price } за 1000 · { $min }–{ $max }
inline-description-package = { $price } за пакет
inline-card = 🛍 { $name } (#{ $id })
inline-order-button = 🛒 Заказать
inline-open-bot = Введите название или номер услуги, или откройте магазин
start-service-unavailable = Эта услуга недоступна (больше не продаётся). Загляните в каталог за другой.
start-order-not-found = Такого заказа среди ваших нет. Ваши заказы — в 📦 Мои заказы.
