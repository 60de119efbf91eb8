## Массовый заказ: много заказов одним списком строк

menu-mass = 📋 Массовый заказ
mass-prompt =
    📋 Массовый заказ: пришлите список, по одному заказу в строке (не больше { $max } строк):
    номер услуги | ссылка | количество

    Например:
    2 | https://instagram.com/p/abc | 1000
    17 | https://t.me/mychannel | 500

    Разделителем может быть и табуляция, и ;. Так можно заказать только услуги, которым нужны лишь ссылка и количество; остальные заказывайте из их карточки.
mass-too-many = В списке больше { $max } строк. Разделите его и присылайте не больше { $max } строк за раз.
mass-summary-title = 📋 Ваш список: можно заказать { $valid } из { $total } { $total ->
        [one] строки
       *[other] строк
    }.
mass-line-ok = { $number }. ✅ { $service } × { $quantity } → { $link }: { $price }
mass-line-flagged = ⚠️ У вас уже есть заказ №{ $order_id } ({ $status }) этой услуги на эту ссылку.
mass-line-bad = { $number }. ❌ { $reason }
mass-reason-format = Это не строка вида «номер услуги | ссылка | количество».
mass-reason-service = Услуга { $service } недоступна.
mass-reason-extras = Для «{ $service }» нужно больше, чем ссылка и количество: закажите её из карточки.
mass-summary-total = Итого за строк: { $count } — { $total }
mass-summary-flagged = Вместе со строками с ⚠️ ({ $count }, «Всё равно заказать»): { $total }
mass-summary-balance = Ваш баланс: { $balance }
mass-summary-missing = Не хватает денег: пополните баланс на { $missing } или уберите часть строк.
mass-summary-fix-hint = Чтобы исправить строку, пришлите весь список заново. Строки с ❌ пропускаются.
mass-button-confirm = ✅ Подтвердить строк: { $count }
mass-button-anyway = ⚠️ Всё равно заказать (строк: { $count })
mass-button-cancel = ✖️ Отмена
mass-placing = ⏳ Оформляю заказы: { $count }…
mass-insufficient = Ничего не списано: списку не хватает { $missing } на балансе. Пополните баланс и пришлите список снова.
mass-nothing-to-order = В этом списке нечего заказать. Пришлите список снова со строками, которые можно заказать.
mass-result-title = 📋 Массовый заказ: оформлено { $placed } из { $total } { $total ->
        [one] строки
       *[other] строк
    }.
mass-result-placed = { $number }. ✅ заказ №{ $order_id }, { $charge }
mass-result-unknown = { $number }. ⏳ заказ №{ $order_id } проверяется; деньги в сохранности, о результате я сообщу.
mass-result-failed = { $number }. ❌ заказ №{ $order_id } не оформлен, деньги вернулись на баланс: { $reason }
mass-result-insufficient = { $number }. ❌ не оформлен: на балансе не хватает денег.
mass-result-price-changed = { $number }. ❌ не оформлен: цена изменилась. Пришлите строку снова, чтобы увидеть новую цену.
mass-result-unavailable = { $number }. ❌ не оформлен: услуга сейчас недоступна.
mass-result-error = { $number }. ❓ не удалось оформить; проверьте 📦 Мои заказы, прежде чем заказывать снова.
mass-already-confirmed = Этот список уже подтверждён: больше ничего не списано. Смотрите 📦 Мои заказы.
mass-outdated = Эта сводка устарела. Пришлите список снова.
mass-result-later = 📋 Ваш массовый заказ: оформлено { $placed } из { $total } { $total ->
        [one] строки
       *[other] строк
    }. Заказ каждой строки — в 📦 Мои заказы.
mass-line-repeats = ⚠️ Та же услуга и ссылка, что в строке { $line }.
