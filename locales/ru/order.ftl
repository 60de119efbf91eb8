## Диалог заказа

order-step-header = 🛒 { $service }
    Шаг { $step } из { $steps }
order-current-value = Сейчас: { $value }. Пришлите новое значение или продолжите кнопками.
order-value-none = —
order-list-more = …и ещё { $count }
order-delay-button = { $minutes } мин
order-skip = ⏭ Пропустить
order-skip-runs = ⏭ Без дробной подачи
order-back = ⬅️ Назад
order-cancel = ✖️ Отмена
order-confirm = ✅ Подтвердить и оплатить
order-top-up = 💰 Пополнить баланс
order-view-order = 📦 Открыть заказ

## Вопросы

order-ask-link =
    Пришлите ссылку на пост или страницу, например https://instagram.com/p/abc
order-ask-quantity =
    Сколько нужно? Выберите ниже или пришлите целое число от { $min } до { $max }.
order-ask-runs =
    Дробная подача: заказ можно разбить на несколько запусков с паузой между ними.
    Пришлите число запусков (от 2 до 1000), например 5. Выбранное количество придёт в каждом запуске.
    Или нажмите «Без дробной подачи», чтобы получить всё сразу.
order-ask-interval =
    Сколько минут между запусками? Пришлите число от 1 до 43200, например 60.
order-ask-comments =
    Пришлите комментарии, по одному в строке, например:
    Отличное фото! 😍
    Очень нравится
    { $counted ->
        [yes] Каждая строка — один комментарий; нужно от { $min } до { $max } строк.
       *[no] Каждая строка — один комментарий.
    }
order-ask-usernames =
    Пришлите имена пользователей, по одному в строке, например:
    @username1
    username2
    { $counted ->
        [yes] Каждая строка считается отдельно; нужно от { $min } до { $max } строк.
       *[no] { "" }
    }
order-ask-hashtags =
    Пришлите хештеги, по одному в строке, например:
    #travel
    summer
order-ask-hashtag =
    Пришлите хештег, по которому брать пользователей, например #travel
order-ask-username =
    Пришлите имя пользователя — автора комментария, например @username
order-ask-profile =
    Пришлите ссылку на профиль, подписчиков которого нужно упомянуть, например https://instagram.com/username
order-ask-media =
    Пришлите ссылку на пост, лайкнувших который нужно упомянуть, например https://instagram.com/p/abc
order-ask-answer-number =
    За какой вариант ответа голосовать? Пришлите его номер, например 1 — первый вариант.
order-ask-groups =
    Пришлите группы, из которых приглашать, по одной в строке, например:
    https://t.me/group_one
    @group_two
order-ask-sub-username =
    Пришлите имя пользователя или ссылку на профиль, например @channel или https://t.me/channel
order-ask-sub-min =
    Минимальное количество на каждый новый пост: целое число от { $min } до { $max }, например { $min }.
order-ask-sub-max =
    Максимальное количество на каждый новый пост: целое число от { $min } до { $max }, не меньше минимума.
order-ask-sub-posts =
    Сколько новых постов охватить? Пришлите число, например 10, или нажмите «Пропустить» — без ограничения.
order-ask-sub-delay =
    Через сколько минут после выхода поста начинать? Выберите кнопку.
order-ask-sub-expiry =
    До какой даты? Пришлите её как день/месяц/год, например 31/12/2025, или нажмите «Пропустить» — без срока.

## Подписи в сводке

order-label-link = 🔗 Ссылка
order-label-quantity = 🔢 Количество
order-label-runs = 🔁 Число запусков
order-label-interval = ⏱ Минут между запусками
order-label-comments = 💬 Комментарии
order-label-usernames = 👤 Пользователи
order-label-hashtags = #️⃣ Хештеги
order-label-hashtag = #️⃣ Хештег
order-label-username = 👤 Пользователь
order-label-profile = 👤 Профиль
order-label-media = 🖼 Пост
order-label-answer-number = 🗳 Номер ответа
order-label-groups = 👥 Группы
order-label-sub-username = 👤 Аккаунт
order-label-sub-min = ⬇️ Минимум на пост
order-label-sub-max = ⬆️ Максимум на пост
order-label-sub-posts = 📝 Постов
order-label-sub-delay = ⏱ Задержка
order-label-sub-expiry = 📅 До

## Сводка

order-summary-title = 🧾 Ваш заказ: { $service }
order-summary-units = 📦 Оплачиваемых единиц: { $units }
order-summary-price = 💵 Итого: { $price }
order-summary-balance = 💰 Ваш баланс: { $balance }
order-summary-after = 💰 После заказа: { $balance }
order-summary-confirm-hint = Проверьте всё и нажмите «Подтвердить и оплатить».
order-summary-missing = ❗ Не хватает денег: нужно ещё { $missing }. Пополните баланс и возвращайтесь.

## Результаты

order-placing = ⏳ Оформляю заказ…
order-placed = ✅ Заказ №{ $order_id } оформлен. С баланса списано { $charge }. Я сообщу, когда его статус изменится.
order-duplicate = ✅ Этот заказ уже оформлен: №{ $order_id }.
order-failed = ❌ Заказ не принят: { $reason }
    Деньги вернулись на ваш баланс.
order-failed-temporary = ❌ Эта услуга временно недоступна. Деньги вернулись на ваш баланс. Попробуйте позже.
order-unknown = ⏳ Заказ №{ $order_id }: поставщик не дал чёткого ответа, мы проверяем заказ. Деньги не потеряны, а зарезервированы: если заказ не прошёл, они вернутся на баланс.
order-insufficient = ❗ На балансе не хватает { $missing }. Пополните его и попробуйте снова.
order-maintenance = 🛠 Приём заказов приостановлен на техническое обслуживание. Попробуйте чуть позже.
order-unavailable = 😔 Эта услуга больше недоступна. Выберите другую в каталоге.
order-expired = Этот диалог заказа уже завершён.
order-already-placed = ✅ Заказ №{ $order_id } уже оформлен, повторно ничего не списано. Его статус: { $status }.
order-dialog-ended = Этот диалог заказа завершён: по нему оформлен заказ №{ $order_id } ({ $status }). Ничего не изменено.
order-interrupted = ⏳ Заказ №{ $order_id }: его оформление прервал перезапуск на нашей стороне, поэтому мы проверяем у поставщика, прошёл ли он. Ваши деньги в безопасности: вы получите либо заказ, либо полный возврат, и я напишу, когда всё решится.
order-outdated = ⚠️ Эта сводка устарела, ничего не заказано. Начните заказ заново из каталога.
order-cancelled = Заказ отменён, деньги не списаны. Что дальше?
order-use-buttons = Воспользуйтесь кнопками под сводкой: подтвердить, вернуться назад или отменить.

## Ошибки ввода

order-error-not-text = Пришлите это, пожалуйста, текстовым сообщением.
order-error-empty = Ответ пустой. Пришлите текст.
order-error-too-long = Слишком длинно: не больше { $max } { $max ->
        [one] символа
       *[other] символов
    }.
order-error-link-too-long = Ссылка слишком длинная: не больше { $max } { $max ->
        [one] символа
       *[other] символов
    }.
order-error-link-spaces = В ссылке не может быть пробелов и скрытых символов. Пришлите только ссылку.
order-error-link-invalid = Это не похоже на ссылку. Пришлите полный адрес, начинающийся с https://, например https://instagram.com/p/abc
order-error-link-mixed-script = В адресе смешаны буквы разных алфавитов (например, русская «а» среди латинских), и заказ ушёл бы в никуда. Наберите адрес заново одним алфавитом или скопируйте ссылку из приложения.
order-error-number-too-big = Слишком большое число (больше { $max_digits } цифр).
order-error-number-positive = Пришлите число больше нуля.
order-error-number-whole = Пришлите целое число без точек и дробей, например 1000.
order-error-number-invalid = Пришлите только число, например 1000.
order-error-range = Пришлите число от { $min } до { $max }.
order-error-quantity-range = Количество должно быть от { $min } до { $max }.
order-error-runs-range = Число запусков должно быть от { $min } до { $max }.
order-error-interval-range = Интервал должен быть от { $min } до { $max } минут.
order-error-answer-range = Номер ответа должен быть от { $min } до { $max }.
order-error-posts-range = Число постов должно быть от { $min } до { $max }.
order-error-sub-max-below-min = Максимум не может быть меньше минимума ({ $min }).
order-error-username-invalid = Это не похоже на имя пользователя. Используйте буквы, цифры, точки и подчёркивания, например @username.
order-error-hashtag-invalid = Это не похоже на хештег. Нужно одно слово без пробелов, например #travel.
order-error-list-too-many = Слишком много строк: не больше { $max }.
order-error-list-line-too-long = Строка { $line } слишком длинная: не больше { $max } { $max ->
        [one] символа
       *[other] символов
    } в строке.
order-error-list-line-invalid = Строка { $line } некорректна. Исправьте её и пришлите весь список заново.
order-error-list-count = Вы прислали строк: { $count }; для этой услуги нужно от { $min } до { $max }.
order-error-expiry-format = Пришлите настоящую дату в виде день/месяц/год, например 31/12/2025.
order-error-expiry-past = Эта дата не в будущем. Пришлите более позднюю дату.
order-error-expiry-far = Дата слишком далеко: не больше, чем на { $years } { $years ->
        [one] год
        [few] года
       *[many] лет
    } вперёд.
order-error-delay-invalid = Выберите одну из кнопок: { $choices } минут.
order-price-changed = 💱 Цена изменилась после вашей сводки: теперь { $price }. Ничего не списано; начните заказ заново, чтобы увидеть новую сводку.

## Same link guard
order-same-link =
    У вас уже есть заказ №{ $order_id } этой услуги на эту ссылку, и он ещё не завершён ({ $status }).
    Всё равно заказать ещё раз?
order-same-link-anyway = ✅ Всё равно заказать
order-same-link-open = 📦 Открыть прежний заказ

## Order again
order-again-unavailable = 😔 Услугу заказа №{ $order_id } больше нельзя заказать. Выберите другую в каталоге.
order-again-changed = Услуга изменилась после заказа №{ $order_id }, и прежний ответ больше не подходит: { $why }
order-again-new-step = Услуга изменилась после заказа №{ $order_id }: теперь нужен ещё один ответ.
order-again-type-changed = Услуга изменилась после заказа №{ $order_id }: часть прежних ответов больше не подходит. Проверьте этот.
