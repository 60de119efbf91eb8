## Комната операторов (группа администраторов). Суммы приходят отформатированными, числа — строками.

admin-cmd-help = Команды оператора
admin-cmd-stats = Пользователи, заказы, оборот, маржа, баланс панели
admin-cmd-user = Профиль пользователя: /user <id или @username>
admin-cmd-credit = Начислить: /credit <пользователь> <сумма> [заметка]
admin-cmd-debit = Списать: /debit <пользователь> <сумма> [заметка]
admin-cmd-order = Карточка заказа: /order <наш id или id в панели>
admin-cmd-unknown = Заказы с неизвестным исходом
admin-cmd-sync = Синхронизировать каталог с панелью сейчас
admin-cmd-markup = Показать или изменить наценку
admin-cmd-hide = Скрыть услугу: /hide <id услуги>
admin-cmd-show = Вернуть скрытую услугу: /show <id услуги>
admin-cmd-ban = Заблокировать пользователя: /ban <пользователь>
admin-cmd-unban = Разблокировать пользователя: /unban <пользователь>
admin-cmd-broadcast = Ответом на сообщение — разослать его всем
admin-cmd-maintenance = Приостановить заказы: /maintenance on|off
admin-cmd-audit = Последние действия администраторов
admin-cmd-payments = Последние пополнения: /payments [пользователь]
admin-cmd-refund = Вернуть оплату звёздами: /refund <id платежа или №> [force]
admin-cmd-export = Файл CSV: /export orders|users|ledger [с] [по]

admin-help =
    Команды оператора (только в этой группе):
    /stats — пользователи, заказы, оборот, маржа, баланс панели
    /user <id или @username> — профиль, баланс, операции, заказы; начислить, списать, заблокировать
    /credit <пользователь> <сумма> [заметка] — начислить на баланс (например, /credit 12345 10.50 бонус)
    /debit <пользователь> <сумма> [заметка] — списать с баланса
    /order <наш id или id в панели> — карточка заказа: обновить, вернуть деньги, повторить уведомление
    /unknown — заказы, про которые неизвестно, приняла ли их панель: разобрать
    /sync — синхронизировать каталог с панелью сейчас
    /markup — показать наценку; /markup 25 — общая; /markup cat <id> 30|off; /markup svc <id> 15|off
    /hide <id услуги>, /show <id услуги> — убрать услугу из магазина или вернуть
    /ban <пользователь>, /unban <пользователь> — закрыть или вернуть доступ
    /broadcast — ответом на сообщение в этой группе: разослать его всем пользователям
    /maintenance on|off — остановить или возобновить приём заказов (отслеживание продолжается)
    /audit — кто что и когда сделал
    /payments [пользователь] — последние пополнения (всех или одного пользователя)
    /refund <id платежа или №> [force] — вернуть оплату звёздами: сумма сначала списывается с баланса; force списывает сколько есть, если баланса уже не хватает
    /promo add КОД 5 | 10%:topup | 10%:order [uses=N] [per_user=1] [until=ГГГГ-ММ-ДД] [min_topup=X] — создать промокод (сумма на баланс, бонус к следующему пополнению или скидка на следующий заказ; until — последний день по UTC); /promo list; /promo off КОД
    /referral <процент> — сколько получают пригласившие с завершённых заказов приглашённых (0 — выкл.)
    /export orders|users|ledger [с] [по] — файл CSV (даты ГГГГ-ММ-ДД, UTC, включительно)
    Ответ здесь на обращение покупателя в поддержку отправляется этому покупателю.
admin-unavailable = недоступен

admin-audit-empty = Действий администраторов пока нет.
admin-audit-title = Последние действия администраторов (UTC):
admin-audit-line = { $when } · { $admin } · { $action } { $target } { $details }

admin-stats =
    📊 Статистика
    Пользователи: { $users } (активны: { $active_day } за сутки, { $active_week } за 7 дней), заблокировали бота: { $blocked }, забанены: { $banned }
    Заказы сегодня (UTC) / за 7 дней / всего: { $orders_today } / { $orders_week } / { $orders_total }
    По статусам (сегодня / 7 дней / всего):
    { $by_status }
    Оборот (списания минус возвраты): { $turnover } (за 7 дней: { $turnover_week })
    Расходы в панели: { $cost }
    Маржа: { $margin } (за 7 дней: { $margin_week })
    Баланс панели: { $balance }
admin-stats-status-line = { $status }: { $today } / { $week } / { $total }

admin-ledger-line = { $when } { $amount } { $kind } ({ $ref })
admin-status-line = { $when } { $old } → { $new }
admin-order-line = #{ $id } { $status } · { $service } · { $charge }
admin-flag-banned = забанен
admin-flag-blocked = заблокировал бота
admin-user-card =
    👤 Пользователь { $id } { $username } ({ $name })
    Язык: { $language }
    Баланс: { $balance }
    Впервые: { $first_seen }, последний раз: { $last_seen } (UTC)
    Отметки: { $flags }

    Последние операции по балансу:
    { $ledger }

    Последние заказы:
    { $orders }
admin-usage-user = Использование: /user <id или @username>
admin-user-not-found = Пользователь «{ $query }» не найден. Укажите числовой id или @username того, кто запускал бота.

admin-usage-credit = Использование: /credit <пользователь> <сумма> [заметка], например /credit 12345 10.50 бонус
admin-usage-debit = Использование: /debit <пользователь> <сумма> [заметка], например /debit @alice 5 исправление
admin-bad-amount = «{ $amount }» — неподходящая сумма. Укажите положительное число, например 10, 10.50 или $10 (не больше 1 000 000).
admin-credit-done = ✅ Пользователю { $user } начислено { $amount }. Новый баланс: { $balance }. Пользователь уведомлён.
admin-debit-done = ✅ С пользователя { $user } списано { $amount }. Новый баланс: { $balance }. Пользователь уведомлён.
admin-money-duplicate = Эта команда уже была выполнена, ничего не изменилось. Баланс пользователя { $user }: { $balance }.
admin-debit-insufficient = ❌ Не списано: у пользователя { $user } только { $balance }, это меньше, чем { $amount }.
admin-how-credit = Чтобы начислить пользователю { $user }, отправьте: /credit { $user } <сумма> [заметка]
admin-how-debit = Чтобы списать у пользователя { $user }, отправьте: /debit { $user } <сумма> [заметка]

admin-usage-ban = Использование: /ban <id или @username>
admin-usage-unban = Использование: /unban <id или @username>
admin-banned = 🚫 Пользователь { $user } заблокирован: он получит короткое уведомление и больше ничего.
admin-unbanned = ✅ Пользователь { $user } разблокирован.
admin-ban-unchanged = У пользователя { $user } менять нечего.

admin-usage-order = Использование: /order <наш номер заказа или номер в панели>
admin-order-not-found = Заказ «{ $query }» не найден.
admin-order-card =
    📦 Заказ #{ $id } — { $status }
    Пользователь: { $user }
    Услуга: { $service }
    Заказ в панели: { $panel_order_id }
    Ссылка: { $link }
    Количество: { $quantity }
    Списано: { $charge }, возвращено: { $refunded }, расход в панели: { $cost }
    Начальное значение: { $start_count }, осталось: { $remains }
    Ошибка: { $error }
    Создан: { $created }, статус с: { $changed } (UTC)

    История:
    { $history }
admin-refresh-no-panel-id = У этого заказа ещё нет номера в панели — спрашивать панель не о чем.
admin-panel-error = Панель не ответила. Попробуйте через минуту.
admin-refreshed = Статус обновлён.
admin-refund-done = Заказ #{ $id }: пользователю возвращено { $amount }, он уведомлён.
admin-refund-already = По заказу #{ $id } деньги уже возвращены, ничего не изменилось.
admin-renotify-done = Последнее уведомление по этому заказу снова поставлено в очередь.
admin-renotify-none = По этому заказу нет уведомления, которое можно повторить.

admin-unknown-none = Заказов с неизвестным исходом нет. 👍
admin-unknown-title =
    ❓ Заказов с неизвестным исходом: { $total } (показано { $shown }).
    Найдите каждый в списке заказов панели, затем нажмите «размещён» (и пришлите номер заказа в панели) или «не размещён» (деньги вернутся пользователю).
admin-unknown-line =
    #{ $id } · пользователь { $user } · { $service } · { $charge }
    { $created } UTC · { $error }
admin-btn-placed-n = ✅ #{ $id } размещён
admin-btn-not-placed-n = ↩️ #{ $id } не размещён
admin-not-unknown = Заказ #{ $id } уже не ждёт решения, ничего не изменилось.
admin-ask-panel-id = Пришлите следующим сообщением номер заказа #{ $id } в панели.
admin-bad-panel-id = Это не похоже на номер заказа в панели (буквы, цифры, - или _), ничего не изменилось. Нажмите кнопку ещё раз, чтобы повторить.
admin-panel-id-taken = Этот номер в панели уже привязан к нашему заказу #{ $other }. Ничего не изменилось.
admin-resolved-placed = ✅ Заказ #{ $id } — это заказ #{ $panel_order_id } в панели, отслеживание возобновлено. Пользователь уведомлён.
admin-resolved-not-placed = ↩️ Заказ #{ $id } отмечен как неразмещённый, возвращено { $amount }. Пользователь уведомлён.

admin-sync-failed = Синхронизация каталога не удалась: панель не ответила. Попробуйте позже.
admin-sync-done =
    🔄 Каталог синхронизирован: услуг — { $total }.
    Добавлено: { $added }, убрано: { $removed }, вернулось: { $restored }, изменений цен: { $price_changes }, неизвестных типов (не продаются): { $unknown_types }
    Пропущено непригодных записей (не продаются): { $skipped }
    { $skipped_list }
    Самые большие изменения цен:
    { $biggest }

admin-markup-overview =
    💹 Общая наценка: { $percent }% ({ $source })
    Особые наценки:
    { $overrides }
admin-markup-from-settings = из MARKUP_PERCENT
admin-markup-from-command = задана командой /markup
admin-markup-cat-line = категория { $id } { $name }: { $percent }%
admin-markup-svc-line = услуга #{ $id } { $name }: { $percent }%
admin-bad-percent = «{ $value }» — неподходящая наценка: укажите процент от -99 до 10000, например 25 или 12.5.
admin-markup-global-set = ✅ Общая наценка теперь { $percent }%. Цены меняются сразу.
admin-usage-markup = Использование: /markup, /markup 25, /markup cat <id категории> 30|off, /markup svc <id услуги> 15|off
admin-markup-cat-not-found = Категории { $id } нет.
admin-markup-svc-not-found = Услуги #{ $id } нет.
admin-markup-cat-set = ✅ Наценка категории { $id } ({ $name }): { $percent }.
admin-markup-svc-set = ✅ Наценка услуги #{ $id } ({ $name }): { $percent }.

admin-usage-hide = Использование: /hide <id услуги>
admin-usage-show = Использование: /show <id услуги>
admin-service-not-found = Услуги #{ $id } нет.
admin-service-unchanged = Услуга #{ $id } уже в этом состоянии, ничего не изменилось.
admin-service-hidden = 🙈 Услуга #{ $id } скрыта из магазина.
admin-service-shown = 👀 Услуга #{ $id } снова в магазине.

admin-maintenance-state = Режим обслуживания: { $state }.
admin-usage-maintenance = Использование: /maintenance on|off
admin-maintenance-on = 🛠 Режим обслуживания включён: новые заказы не принимаются. Отслеживание продолжается.
admin-maintenance-off = ✅ Режим обслуживания выключен: заказы снова принимаются.
admin-maintenance-notice = 🛠 В магазине идут технические работы: приём новых заказов ненадолго приостановлен. Ваши текущие заказы по-прежнему отслеживаются.

admin-usage-broadcast = Ответьте командой /broadcast на сообщение (текст, фото…), которое нужно разослать всем пользователям.
admin-broadcast-repeat = Это сообщение уже разослано (получателей: { $total }), ничего нового в очередь не добавлено.
admin-broadcast-progress = 📣 Рассылка на { $total }: отправлено { $sent }, заблокировали { $blocked }, ошибок { $failed }, в очереди { $queued }…
admin-broadcast-done = 📣 Рассылка завершена: получателей { $total }, отправлено { $sent }, заблокировали { $blocked }, ошибок { $failed }.

admin-btn-credit = ➕ Начислить
admin-btn-debit = ➖ Списать
admin-btn-ban = 🚫 Заблокировать
admin-btn-unban = ✅ Разблокировать
admin-btn-refresh = 🔄 Обновить статус
admin-btn-refund = ↩️ Вернуть деньги
admin-btn-renotify = 🔔 Повторить уведомление
admin-btn-placed = ✅ Размещён в панели как заказ #…
admin-btn-not-placed = ↩️ Не размещён, вернуть деньги

## Сообщения пользователям

admin-notify-credit =
    💰 На ваш баланс зачислено { $amount }.
    Баланс: { $balance }
    Комментарий: { $note }
admin-notify-debit =
    💰 С вашего баланса списано { $amount }.
    Баланс: { $balance }
    Комментарий: { $note }
admin-notify-order-refunded = ↩️ Заказ №{ $order_id }: на ваш баланс возвращено { $amount }.
admin-notify-order-placed = ✅ Заказ №{ $order_id }: мы проверили у поставщика — заказ прошёл. Он выполняется; я сообщу, когда изменится его статус.
admin-notify-order-not-placed = ↩️ Заказ №{ $order_id }: мы проверили у поставщика — заказ не прошёл. На ваш баланс возвращено { $amount }.

## Оповещения в группе

admin-alert-low-balance =
    ⚠️ Баланс панели на исходе: { $balance } (порог оповещения { $threshold }).
    Пополните счёт в панели, иначе новые заказы не пройдут.
admin-alert-catalog =
    🔄 При автоматической синхронизации каталог изменился (услуг: { $total }).
    Добавлено: { $added }, убрано: { $removed }, вернулось: { $restored }, изменений цен: { $price_changes }, неизвестных типов (не продаются): { $unknown_types }
    Пропущено непригодных записей (не продаются): { $skipped }
    { $skipped_list }
    Неизвестные типы: { $unknown_list }
    Самые большие изменения цен:
    { $biggest }
    Если цены сильно сдвинулись, проверьте наценку (/markup); убранные услуги больше не продаются.
admin-refund-busy = Заказ #{ $id } прямо сейчас отправляется в панель; ничего не изменено. Всё решит её ответ, проверьте через минуту.
admin-stats-balance-stale = { $balance } (⚠️ устарел: получен { $minutes } мин назад; панель сейчас не отвечает)

export-usage =
    Как вызвать: /export orders|users|ledger [с] [по]
    Даты в виде ГГГГ-ММ-ДД (UTC), оба дня включительно; без дат — всё.
    Пример: /export orders 2026-01-01 2026-01-31
export-admin-done = { $kind }: строк — { $rows }.
export-failed = Не удалось отправить файл; попробуйте позже.
