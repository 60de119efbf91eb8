track-started = ▶️ Ваш заказ №{ $order_id } ({ $service }) начал выполняться.
track-completed = ✅ Ваш заказ №{ $order_id } ({ $service }) выполнен. Спасибо!
track-partial =
    ⚠️ Ваш заказ №{ $order_id } ({ $service }) выполнен частично.
    За невыполненную часть на баланс возвращено { $refund }.
track-canceled =
    ❌ Ваш заказ №{ $order_id } ({ $service }) отменён.
    На баланс возвращено { $refund }.
track-refunded =
    ↩️ За заказ №{ $order_id } ({ $service }) оформлен возврат.
    На баланс возвращено { $refund }.
track-btn-order = 📦 Открыть заказ
track-refill-in-progress = 🔄 Докрутка по заказу №{ $order_id } выполняется.
track-refill-completed = ✅ Докрутка по заказу №{ $order_id } завершена.
track-refill-rejected = ❌ Поставщик отклонил докрутку по заказу №{ $order_id }.
track-refill-canceled = ❌ Поставщик отменил докрутку по заказу №{ $order_id }.
track-refill-failed = ❌ Докрутка по заказу №{ $order_id } не удалась у поставщика.
track-alert-order-errors =
    ⚠️ Заказ №{ $order_id } (id в панели { $panel_order_id }): панель { $count } { $count ->
        [one] раз
        [few] раза
       *[many] раз
    } подряд ответила ошибкой: { $error }
    Проверьте его в панели.
track-alert-order-failed =
    ⚠️ Панель сообщает, что заказ №{ $order_id } (id в панели { $panel_order_id }, { $service }) не выполнен (Fail).
    Автоматического возврата не было: проверьте панель и при необходимости верните деньги пользователю.
track-alert-refill-errors =
    ⚠️ Докрутка { $refill_id } по заказу №{ $order_id }: панель { $count } { $count ->
        [one] раз
        [few] раза
       *[many] раз
    } подряд ответила ошибкой: { $error }
track-alert-request-interrupted =
    ⚠️ Запрос на { $kind ->
        [refill] докрутку
       *[cancel] отмену
    } по заказу №{ $order_id } (id в панели { $panel_order_id }, пользователь { $user_id }) прерван перезапуском до ответа панели: он мог дойти до панели, а мог и не дойти.
    Запрос закрыт, клиент может запросить снова (повтор панель отклонит как «уже запрошено»). При необходимости проверьте заказ в панели.
track-alert-panel-down =
    🚨 Панель недоступна: статусы заказов не проверяются. Продолжаю попытки с растущими паузами.
    Последняя ошибка: { $error }
track-alert-panel-back = ✅ Панель снова отвечает (была недоступна примерно { $minutes } мин).
track-btn-refill = 🔁 Запросить докрутку
track-btn-cancel = ✖️ Отменить заказ
track-btn-cancel-confirm = ✖️ Да, отменить
track-cancel-confirm = Отменить заказ №{ $order_id }? Решение за поставщиком; если он согласится, деньги за невыполненную часть вернутся на ваш баланс.
track-refill-accepted = 🔁 Докрутка по заказу №{ $order_id } запрошена. Я сообщу, когда поставщик её завершит.
track-cancel-accepted = ✖️ Отмена заказа №{ $order_id } запрошена. Я сообщу, когда поставщик её подтвердит; деньги вернутся на ваш баланс.
track-request-rejected =
    Поставщик отклонил запрос по заказу №{ $order_id }.
    Причина: { $reason }
track-request-in-progress = Запрос на докрутку или отмену заказа №{ $order_id } уже обрабатывается. Дождитесь результата.
track-request-not-allowed = Для заказа №{ $order_id } это сейчас недоступно.
track-request-not-found = Заказ не найден.
track-request-unavailable = Поставщик сейчас недоступен. Ничего не отправлено; попробуйте через несколько минут.
track-request-unknown = Поставщик не подтвердил запрос по заказу №{ $order_id }. Проверьте заказ позже, прежде чем пробовать снова.
track-partial-no-refund =
    ⚠️ Ваш заказ №{ $order_id } ({ $service }) выполнен частично.
    Поставщик не сообщил, сколько не хватает; мы проверяем заказ и вернём деньги за невыполненную часть.
track-alert-partial-no-remains =
    ⚠️ Заказ №{ $order_id } (в панели №{ $panel_order_id }, { $service }) завершён частично без пригодного остатка ({ $remains }), поэтому автоматически ничего не возвращено.
    Проверьте его в панели и верните деньги за невыполненную часть через /order { $order_id }.
