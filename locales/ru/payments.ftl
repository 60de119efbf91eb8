## Пополнения: чеки и уведомления покупателям
payments-receipt-stars = ✅ Оплата получена: { $stars } ⭐ → { $amount }. Ваш баланс: { $balance }.
payments-receipt-cryptopay = ✅ Оплата получена: { $paid } → { $amount }. Ваш баланс: { $balance }.
payments-refunded =
    ↩️ Вам вернули { $stars } ⭐, с баланса списано { $amount }.
    Ваш баланс: { $balance }.

## Почему оплата не может пройти (Telegram покажет это на экране оплаты)
payments-precheckout-invalid = Этот счёт недействителен. Пожалуйста, начните пополнение заново.
payments-precheckout-stale = Срок этого счёта истёк, или он уже оплачен. Пожалуйста, начните пополнение заново.
payments-precheckout-rate-changed = Цена в звёздах изменилась после создания счёта. Пожалуйста, начните пополнение заново.
payments-precheckout-banned = С вашего аккаунта нельзя пополнять баланс. Напишите в поддержку.
payments-precheckout-maintenance = В магазине идут технические работы. Попробуйте чуть позже.
payments-precheckout-unavailable = Оплата звёздами сейчас недоступна.

## Введённая сумма пополнения не подходит
payments-amount-not-a-number = Пришлите только сумму числом, например 10 или 12,50.
payments-amount-not-positive = Сумма должна быть больше нуля.
payments-amount-too-precise = Не больше двух знаков после запятой, например 12,50.
payments-amount-too-small = Минимальное пополнение — { $min }.
payments-amount-too-large = Максимальное пополнение — { $max }.

## Оповещения операторам
payments-alert-recovered =
    💫 Найдена оплата звёздами, уведомление о которой потерялось: платёж #{ $payment_id }, пользователь { $user_id }, { $stars } ⭐ → зачислено { $amount }.
payments-alert-paid-twice =
    ⚠️ Платёж #{ $payment_id }: пользователь { $user_id } оплатил тот же счёт в звёздах ещё раз ({ $stars } ⭐). Зачислено { $amount }; при необходимости верните: /refund { $payment_id }.
payments-alert-other-payer =
    ⚠️ Платёж #{ $payment_id }: пользователь { $user_id } оплатил счёт, выставленный другому ({ $stars } ⭐). { $amount } зачислено плательщику.
payments-alert-unmatched =
    ⚠️ Платёж #{ $payment_id }: { $stars } ⭐ от пользователя { $user_id } не соответствуют ни одному нашему счёту. Зачислено по курсу: { $amount }. Проверьте.
payments-alert-external-refund =
    ⚠️ Платёж #{ $payment_id } пользователя { $user_id } ({ $stars } ⭐) возвращён в обход бота, но зачисленные { $amount } остались на балансе.
payments-alert-amount-differs =
    ⚠️ Платёж #{ $payment_id } пользователя { $user_id }: запрошено { $asked }, Crypto Pay сообщает { $paid }. Зачислена сообщённая сумма.
payments-alert-currency-differs =
    ⚠️ Платёж #{ $payment_id } пользователя { $user_id }: запрошено { $asked }, а счёт оплачен как { $paid }. Ничего не зачислено; урегулируйте вручную.
payments-alert-crypto-unknown =
    ⚠️ Оплаченный счёт Crypto Pay ({ $invoice_id }, { $amount }) не соответствует ни одному нашему платежу. Ничего не зачислено.

## Экраны пополнения
payments-button-topup = ➕ Пополнить
payments-button-preset = { $amount }
payments-button-other = ✏️ Другая сумма
payments-button-back = ⬅️ Назад
payments-button-stars = ⭐ Оплатить { $stars } { $stars ->
        [one] звезду
        [few] звезды
       *[other] звёзд
    }
payments-button-crypto = 💎 Оплатить криптовалютой (CryptoBot)
payments-button-pay-crypto = 💎 Оплатить { $amount } в CryptoBot
payments-topup-title =
    ➕ Пополнение баланса
    Сколько хотите внести? Выберите сумму или нажмите «Другая сумма» (от { $min } до { $max }).
payments-topup-ask-amount = Пришлите сумму в { $currency }, от { $min } до { $max }, например 10 или 12,50.
payments-pay-title = Пополнение на { $amount }. Как хотите оплатить?
payments-pay-stars = ⭐ Telegram Stars: { $stars } ⭐ (1 ⭐ = { $rate })
payments-pay-stars-too-large = ⭐ Telegram Stars: не больше { $max } за одно пополнение
payments-pay-crypto = 💎 Криптовалюта в CryptoBot: { $assets }
payments-invoice-title = Пополнение баланса
payments-invoice-description = { $amount } поступят на ваш баланс в магазине.
payments-invoice-label = Пополнение { $amount }
payments-stars-failed = 😔 Telegram не принял счёт. Попробуйте чуть позже.
payments-crypto-description = Пополнение баланса: { $amount }
payments-crypto-created =
    💎 Счёт на { $amount } готов. Нажмите кнопку ниже, чтобы оплатить в CryptoBot: { $assets }.
    Он действует { $minutes } мин. После оплаты деньги поступят на баланс в течение минуты, и я пришлю чек.
payments-crypto-unknown = ⏳ CryptoBot не ответил вовремя, поэтому ссылки на оплату в этот раз нет; мы проверяем, что произошло. Попробуйте снова через несколько минут: ничего не списано.
payments-crypto-failed = 😔 CryptoBot сейчас не смог создать счёт. Попробуйте позже или выберите другой способ оплаты.
payments-unavailable = Этот способ оплаты сейчас недоступен.

## Операторам: платежи и возвраты
payments-method-stars = ⭐ Звёзды
payments-method-cryptopay = 💎 Crypto Pay
payments-status-created = счёт выставлен
payments-status-pending = ожидает оплаты
payments-status-paid = оплачен
payments-status-expired = истёк
payments-status-refunding = идёт возврат
payments-status-refunded = возвращён
payments-status-canceled = отменён
payments-admin-list-title = 💳 Последние платежи (UTC):
payments-admin-list-title-user = 💳 Последние платежи пользователя { $user_id } (UTC):
payments-admin-list-empty = Платежей пока нет.
payments-admin-line = №{ $payment_id } · { $when } · { $method } · { $paid } → { $amount } · { $status } · пользователь { $user_id }
payments-admin-note = ⚠️ { $note }
payments-admin-usage-payments = Использование: /payments — последние платежи; /payments <id или @username> — платежи одного пользователя.
payments-admin-usage-refund = Использование: /refund <id платежа в Telegram или №> — вернуть оплату звёздами; добавьте «force», чтобы списать сколько есть, если баланса уже не хватает.
payments-refund-done = ↩️ Платёж №{ $payment_id }: { $stars } ⭐ возвращены пользователю { $user_id }; с его баланса списано { $debited } (осталось { $balance }).
payments-refund-done-short = ↩️ Платёж №{ $payment_id }: { $stars } ⭐ возвращены пользователю { $user_id }; с его баланса списано { $debited } (осталось { $balance }), { $missing } списать не удалось.
payments-refund-not-found = Платёж «{ $ref }» не найден: укажите номер платежа (список — /payments) или id платежа в Telegram.
payments-refund-not-refundable = Платёж №{ $payment_id } оплачен не звёздами Telegram: здесь можно вернуть только оплату звёздами.
payments-refund-not-paid = Платёж №{ $payment_id } не был оплачен: возвращать нечего.
payments-refund-already = Платёж №{ $payment_id } уже возвращён.
payments-refund-insufficient =
    Платёж №{ $payment_id } не возвращён: у пользователя { $user_id } на балансе { $balance }, на { $missing } меньше зачисленных { $amount } (потрачены на заказы).
    Чтобы всё равно вернуть звёзды и списать сколько есть: /refund { $payment_id } force
payments-refund-failed =
    ⚠️ Платёж №{ $payment_id }: с баланса списано { $debited }, но Telegram отказал в возврате ({ $error }).
    Платёж остаётся в состоянии «идёт возврат»: /refund { $payment_id } повторит запрос в Telegram (повторно ничего не спишется).

## /stats: поступления
payments-stats-title = 💳 Пополнения за 7 дней (UTC):
payments-stats-line = { $day } · { $method }: { $count } → { $credited }
payments-stats-line-refunded = { $day } · { $method }: { $count } → { $credited } (возвращено { $refunded })
payments-stats-total-title = По способам оплаты:
payments-stats-total = { $method }: { $count } → { $credited }
payments-stats-total-refunded = { $method }: { $count } → { $credited } (возвращено { $refunded })
payments-stats-none = 💳 За последние 7 дней пополнений не было.

## Поддержка: покупатели пишут операторам
support-button = 💬 Написать в поддержку
support-intro-payments =
    💬 Помощь с оплатой
    Вопрос о пополнении, чеке или возврате? Пришлите сейчас одно сообщение (текст, скриншот или файл), и я передам его операторам вместе с вашими последними платежами. Ответ придёт в этот чат.
    /cancel — передумали
support-intro-general =
    💬 Поддержка
    Пришлите сейчас одно сообщение (текст, скриншот или файл), и я передам его операторам. Ответ придёт в этот чат.
    /cancel — передумали
support-contact = Можно также написать { $contact }.
support-sent = ✅ Передал операторам. Ответ придёт в этот чат.
support-failed = 😔 Сейчас не получилось передать сообщение. Попробуйте чуть позже.
support-too-often = Вы уже несколько раз писали операторам за последний час. Пожалуйста, дождитесь ответа.
support-not-a-command = Пришлите сообщение для операторов (не команду) или /cancel.
support-reply-title = 💬 Ответ поддержки:
support-topic-payments = оплата
support-topic-general = общее
support-admin-request =
    💬 Обращение №{ $request_id } ({ $topic })
    От: { $name } { $username } (id { $user_id }), баланс { $balance }
    Последние платежи:
    { $payments }
    Ответьте на это сообщение, чтобы ответить покупателю.
support-admin-delivered = ✅ Отправлено пользователю { $user_id }.
support-admin-blocked = ❌ Не доставлено: покупатель заблокировал бота.
support-admin-failed = ❌ Не доставлено: Telegram не принял сообщение. Попробуйте ещё раз.
