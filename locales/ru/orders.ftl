## Статусы заказов (их же используют уведомления и экраны операторов)
order-status-submitting = ⏳ Оформляется
order-status-unknown = 🔍 Проверяется
order-status-failed = ❌ Не оформлен, деньги возвращены
order-status-pending = 🕓 В очереди
order-status-in_progress = 🚀 Выполняется
order-status-processing = ⚙️ Обрабатывается
order-status-completed = ✅ Выполнен
order-status-partial = ◐ Выполнен частично
order-status-canceled = 🚫 Отменён
order-status-refunded = ↩️ Деньги возвращены
order-status-active = 🔄 Активен
order-status-error = ⚠️ Ошибка у поставщика
order-status-other = ❔ { $status }

## Баланс
orders-balance-title = 💰 Ваш баланс: { $balance }
orders-balance-history-title = Последние операции:
orders-balance-history-empty = Операций пока нет.
orders-balance-line = { $date } UTC · { $kind } · { $amount }
orders-balance-line-order = { $date } UTC · { $kind } №{ $order_id } · { $amount }
orders-balance-topup = Чтобы пополнить баланс, нажмите «➕ Пополнить».
orders-balance-topup-support =
    Как пополнить: нажмите «💬 Написать в поддержку» и сообщите операторам, сколько хотите внести.
    Они зачислят деньги на ваш баланс, и я сообщу, когда они поступят.
orders-ledger-kind-charge = Заказ
orders-ledger-kind-refund = Возврат
orders-ledger-kind-credit = Зачисление
orders-ledger-kind-debit = Списание
orders-ledger-kind-topup = Пополнение
orders-ledger-kind-topup-stars = Пополнение (Telegram Stars)
orders-ledger-kind-topup-cryptopay = Пополнение (криптовалюта)
orders-ledger-kind-topup-refund = Возврат звёзд
orders-ledger-kind-other = Другое

## Мои заказы
orders-list-title = 📦 Ваши заказы (страница { $page } из { $pages }):
orders-list-line = №{ $order_id } · { $service } · { $status }
orders-list-empty = У вас пока нет заказов. Выберите услугу в каталоге, чтобы оформить первый.
orders-button-open = №{ $order_id } · { $service }
orders-button-prev = ◀️ Предыдущая
orders-button-next = Следующая ▶️
orders-button-page = { $page }/{ $pages }
orders-button-catalog = 🛍 Каталог
orders-button-refresh = 🔄 Обновить
orders-button-again = 🔁 Заказать снова
orders-button-back-to-list = 📦 Мои заказы
orders-not-found = Заказ не найден.
orders-refresh-failed = ⚠️ Сейчас не удалось обновить статус. Попробуйте чуть позже.
orders-refreshed = Статус обновлён.

## Карточка заказа
orders-card-title = 📦 Заказ №{ $order_id }
orders-card-service = Услуга: { $service }
orders-card-link = Ссылка: { $link }
orders-card-quantity = Количество: { $quantity }
orders-card-price = Оплачено: { $price }
orders-card-refunded = Возвращено на баланс: { $amount }
orders-card-status = Статус: { $status }
orders-card-start-count = Начальное значение: { $start_count }
orders-card-remains = Осталось: { $remains }
orders-card-progress = Прогресс: { $bar } { $percent }%
orders-card-created = Создан: { $date } UTC
orders-card-unknown-note = Мы уточняем этот заказ у поставщика. Ваши деньги в безопасности: вы получите либо заказ, либо возврат.

## Оформление (тексты для итоговых экранов диалога заказа)
orders-placed = ✅ Заказ №{ $order_id } оформлен. С баланса списано { $price }. Я напишу, когда статус изменится.
orders-place-failed = ❌ Поставщик не принял заказ: { $reason }. Деньги вернулись на ваш баланс.
orders-place-failed-no-reason = ❌ Не удалось оформить заказ. Деньги вернулись на ваш баланс.
orders-place-unavailable-now = 😔 Услуга временно недоступна. Деньги вернулись на ваш баланс, попробуйте позже.
orders-place-unknown = ⏳ Заказ №{ $order_id } проверяется у поставщика. Ваши деньги надёжно удержаны: вы получите либо заказ, либо возврат. Мы вам напишем.
orders-place-insufficient = На балансе не хватает денег: нужно ещё { $missing }.
orders-place-duplicate = Этот заказ уже оформлен: №{ $order_id }.
orders-place-unavailable = Эту услугу сейчас нельзя заказать. Пожалуйста, выберите другую.
orders-place-maintenance = 🛠 В магазине идут технические работы. Попробуйте немного позже.

## Оповещения операторов (в группу администраторов)
alert-order-failed =
    ❌ Заказ №{ $order_id } не оформлен, деньги возвращены.
    Пользователь: { $user_id }
    Услуга: { $service }
    Сумма: { $charge }
    Ссылка: { $link }
    Ответ панели: { $reason }
alert-order-unknown =
    🔍 Заказ №{ $order_id } нужно проверить: ответ панели потерян, заказ там может быть, а может и не быть.
    Деньги пользователя удержаны. Найдите заказ в панели и решите его судьбу.
    Пользователь: { $user_id }
    Услуга: { $service }
    Сумма: { $charge }
    Ссылка: { $link }
    Причина: { $reason }
alert-order-warning =
    ⚠️ Заказ №{ $order_id } оформлен (заказ панели { $panel_order_id }), но в ответе панели была и ошибка. Заказ действует, деньги списаны; проверьте его в панели.
    Пользователь: { $user_id }
    Услуга: { $service }
    Сумма: { $charge }
    Ссылка: { $link }
    Ответ панели: { $reason }
alert-panel-funds =
    💸 На счёте панели закончились деньги: заказ №{ $order_id } отклонён, деньги пользователю возвращены. Пополните баланс панели.
    Пользователь: { $user_id }
    Услуга: { $service }
    Сумма: { $charge }
    Ответ панели: { $reason }
