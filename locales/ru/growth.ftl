## Рефералы и промокоды (покупатели)
menu-invite = 🤝 Пригласить друзей
invite-screen =
    🤝 Пригласить друзей

    Поделитесь личной ссылкой. Когда друг запустит магазин по ней, вы получите { $percent }% от его трат на выполненные заказы — на ваш баланс.

    Ваша ссылка: { $link }

    Присоединилось друзей: { $joined }
    Заработано: { $earned }
invite-screen-off =
    🤝 Пригласить друзей

    Поделитесь личной ссылкой с друзьями: { $link }

    Реферальный бонус сейчас приостановлен.
    Присоединилось друзей: { $joined }
    Заработано: { $earned }

promo-button = 🎟 Промокод
promo-ask = 🎟 Введите промокод:
promo-credited = ✅ Промокод применён: на баланс зачислено { $amount }. Баланс: { $balance }
promo-pending-topup = ✅ Промокод принят: следующее пополнение получит бонус { $percent }%.
promo-pending-topup-min = ✅ Промокод принят: следующее пополнение от { $min } получит бонус { $percent }%.
promo-pending-order = ✅ Промокод принят: следующий заказ будет на { $percent }% дешевле.
promo-unknown = ❌ Такого промокода нет. Проверьте написание и попробуйте ещё раз.
promo-expired = ⌛ Срок действия промокода истёк.
promo-used-up = 🚫 Промокод уже израсходован.
promo-already = ℹ️ Вы уже использовали этот промокод.
promo-has-pending = ℹ️ У вас уже есть неиспользованный бонус по промокоду. Сначала воспользуйтесь им, потом вводите новый код.
promo-locked = 🔒 Слишком много неверных кодов. Ввод промокодов заблокирован на { $minutes } мин.
promo-summary-discount = 🎟 Промокод { $code }: −{ $discount }
promo-value-topup = бонус { $percent }% к пополнению
promo-value-order = скидка { $percent }% на следующий заказ

## Операторы
admin-cmd-promo = Промокоды: создать, список, отключить
admin-cmd-referral = Реферальный процент: /referral <процент>
admin-usage-promo =
    Использование:
    /promo add КОД ЗНАЧЕНИЕ [uses=N] [per_user=1] [until=ГГГГ-ММ-ДД] [min_topup=X]
      ЗНАЧЕНИЕ: сумма (5 или 2.50) на баланс,
      или 10%:topup (бонус к следующему пополнению), или 10%:order (скидка на следующий заказ)
      until: последний день (UTC) действия кода; каждый код — один раз на покупателя
    /promo list
    /promo off КОД
admin-promo-bad-code = «{ $value }» не годится как код: 2–32 буквы, цифры, _ или -.
admin-promo-bad-value = «{ $value }» — не сумма. Укажите сумму (5 или 2.50) либо 10%:topup / 10%:order.
admin-promo-bad-percent = «{ $value }» — не процентный код: пишите 10%:topup (бонус к пополнению) или 10%:order (скидка на заказ), процент 0–100.
admin-promo-bad-option = «{ $value }» — неверный параметр. Параметры: uses=N, per_user=1, until=ГГГГ-ММ-ДД, min_topup=X.
admin-promo-exists = Код { $code } уже существует.
admin-promo-created = ✅ Промокод { $code } создан: { $value }.
admin-promo-created-expired = ✅ Промокод { $code } создан: { $value }. Его последний день уже прошёл, поэтому он истёк.
admin-promo-off = Промокод { $code } отключён.
admin-promo-not-found = Нет активного промокода { $code }.
admin-promo-empty = Промокодов пока нет.
admin-promo-title = Промокоды (код · значение · использовано · последний день · состояние):
admin-promo-line = { $code } · { $value } · { $used }/{ $uses } · { $until } · { $state }
admin-promo-state-active = действует
admin-promo-state-off = отключён
admin-promo-state-expired = истёк
admin-promo-state-used-up = израсходован
admin-usage-referral = Использование: /referral <процент>, от 0 (выкл.) до 100, например /referral 5
admin-referral-now = Реферальный бонус: { $percent }% от завершённых заказов приглашённых. Изменить: /referral <процент>.
admin-referral-set = ✅ Реферальный бонус: { $percent }%.
admin-stats-growth = Реферальные бонусы (за вычетом возвратов): { $referrals }
    Промокоды и бонусы к пополнениям: { $promo }
admin-user-referrals = Пригласил: { $inviter } · приглашено: { $joined } · реферальный доход: { $earned }
promo-bonus-credited = 🎁 Промокод { $code }: на баланс зачислен бонус { $amount }. Баланс: { $balance }
referral-earned = 🤝 Приглашённый вами друг выполнил заказ: на баланс зачислено { $amount }.
