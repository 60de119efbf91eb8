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
