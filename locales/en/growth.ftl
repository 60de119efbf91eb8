## Referrals and promo codes (customers)
menu-invite = 🤝 Invite friends
invite-screen =
    🤝 Invite friends

    Share your personal link. When a friend starts the shop through it, you earn { $percent }% of what they spend on completed orders, credited to your balance.

    Your link: { $link }

    Friends joined: { $joined }
    Earned: { $earned }
invite-screen-off =
    🤝 Invite friends

    Share your personal link with friends: { $link }

    The referral bonus is paused at the moment.
    Friends joined: { $joined }
    Earned: { $earned }

promo-button = 🎟 Promo code
promo-ask = 🎟 Type your promo code:
promo-credited = ✅ Promo code applied: { $amount } added to your balance. Balance: { $balance }
promo-pending-topup = ✅ Promo code accepted: your next top-up gets a { $percent }% bonus.
promo-pending-topup-min = ✅ Promo code accepted: your next top-up of at least { $min } gets a { $percent }% bonus.
promo-pending-order = ✅ Promo code accepted: your next order is { $percent }% cheaper.
promo-unknown = ❌ There is no such promo code. Check the spelling and try again.
promo-expired = ⌛ This promo code has expired.
promo-used-up = 🚫 This promo code has been used up.
promo-already = ℹ️ You have already used this promo code.
promo-has-pending = ℹ️ You already have a promo bonus waiting. Use it first, then enter a new code.
promo-locked = 🔒 Too many wrong codes. Promo code entry is locked for { $minutes } minutes.
promo-summary-discount = 🎟 Promo code { $code }: −{ $discount }
promo-value-topup = { $percent }% top-up bonus
promo-value-order = { $percent }% off the next order

## Operators
admin-cmd-promo = Promo codes: add, list, off
admin-cmd-referral = Referral percent: /referral <percent>
admin-usage-promo =
    Usage:
    /promo add CODE VALUE [uses=N] [per_user=1] [until=YYYY-MM-DD] [min_topup=X]
      VALUE: an amount (5 or 2.50) credited to the balance,
      or 10%:topup (bonus on the next top-up), or 10%:order (discount on the next order)
      until: the last day (UTC) the code works; every code works once per customer
    /promo list
    /promo off CODE
admin-promo-bad-code = “{ $value }” cannot be a code: use 2–32 letters, digits, _ or -.
admin-promo-bad-value = “{ $value }” is not an amount. Use an amount (5 or 2.50), or 10%:topup / 10%:order.
admin-promo-bad-percent = “{ $value }” is not a percent code: write 10%:topup (bonus on the next top-up) or 10%:order (discount on the next order), percent 0–100.
admin-promo-bad-option = “{ $value }” is not a valid option. Options: uses=N, per_user=1, until=YYYY-MM-DD, min_topup=X.
admin-promo-exists = The code { $code } exists already.
admin-promo-created = ✅ Promo code { $code } created: { $value }.
admin-promo-created-expired = ✅ Promo code { $code } created: { $value }. Its last day is already past, so it is expired.
admin-promo-off = Promo code { $code } is switched off.
admin-promo-not-found = No active promo code { $code }.
admin-promo-empty = No promo codes yet.
admin-promo-title = Promo codes (code · value · used · last day · state):
admin-promo-line = { $code } · { $value } · { $used }/{ $uses } · { $until } · { $state }
admin-promo-state-active = active
admin-promo-state-off = off
admin-promo-state-expired = expired
admin-promo-state-used-up = used up
admin-usage-referral = Usage: /referral <percent>, from 0 (off) to 100, e.g. /referral 5
admin-referral-now = Referral bonus: { $percent }% of invited users' settled orders. Change it with /referral <percent>.
admin-referral-set = ✅ Referral bonus set to { $percent }%.
admin-stats-growth = Referral bonuses paid (net of claw-backs): { $referrals }
    Promo code credits and top-up bonuses: { $promo }
admin-user-referrals = Invited by: { $inviter } · invited users: { $joined } · referral earnings: { $earned }
promo-bonus-credited = 🎁 Promo code { $code }: a bonus of { $amount } is added to your balance. Balance: { $balance }
referral-earned = 🤝 A friend you invited completed an order: { $amount } is added to your balance.
