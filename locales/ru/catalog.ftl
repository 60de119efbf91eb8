catalog-categories =
    🛍 Каталог, категорий: { $total }.
    Выберите категорию или просто напишите мне слова для поиска.
catalog-empty = Каталог сейчас пуст. Загляните, пожалуйста, чуть позже.
catalog-category-button = { $name } ({ $count })
catalog-services =
    📂 { $category }, услуг: { $total }.
    Цены указаны за 1000, если не написано «за пакет». Выберите услугу, чтобы узнать подробности.
catalog-category-empty = В этой категории сейчас ничего нет. Выберите другую:
catalog-service-button = { $name } — { $price }
catalog-price-per-1000 = { $price } / 1000
catalog-price-per-package = { $price } за пакет
catalog-prev = ◀️ Предыдущая
catalog-next = Следующая ▶️
catalog-page = { $page } / { $pages }
catalog-back = ⬅️ Назад
catalog-back-categories = 📂 Категории
catalog-search-button = 🔎 Поиск
catalog-search-again = 🔎 Новый поиск
catalog-order-button = 🛒 Заказать
catalog-yes = да
catalog-no = нет
catalog-minutes = { $minutes } мин
catalog-card-title = { $name } (№{ $id })
catalog-card-category = Категория: { $category }
catalog-card-price = Цена: { $price } за 1000
catalog-card-price-package = Цена: { $price } за пакет
catalog-card-limits = Количество: от { $min } до { $max }
catalog-card-refill = Докрутка (refill): { $answer }
catalog-card-cancel = Отмена: { $answer }
catalog-card-dripfeed = Дробная подача: есть
catalog-card-average-time = Среднее время: { $time }
catalog-card-unavailable = ⚠️ Эта услуга сейчас недоступна.
catalog-service-gone = Этой услуги больше нет. Выберите, пожалуйста, другую.
catalog-search-prompt =
    🔎 Напишите несколько слов из названия услуги или категории (например, «instagram лайки») или номер услуги.
catalog-search-expired = Этот поиск устарел. Пришлите слова ещё раз:
catalog-search-results = 🔎 «{ $query }», найдено услуг: { $total }.
catalog-search-none =
    По запросу «{ $query }» ничего не нашлось.
    Попробуйте меньше слов или покороче (например, «лайки» вместо «лайки на мои рилсы»), проверьте написание или загляните в каталог.

## Favourites
favourites-title = ⭐ Ваши избранные услуги ({ $total }):
favourites-empty = ⭐ В избранном пока пусто. Откройте услугу в каталоге и нажмите «☆ В избранное».
favourites-some-unavailable = Услуги с пометкой 🚫 больше недоступны, их нельзя заказать; убрать их можно в их карточке.
favourites-add = ☆ В избранное
favourites-remove = ⭐ Убрать из избранного
favourites-added = Добавлено в избранное.
favourites-removed = Убрано из избранного.
favourites-unavailable-button = 🚫 { $name } · недоступна
favourites-full = У вас уже { $max } избранных услуг. Уберите какие-нибудь, прежде чем добавлять новые.
