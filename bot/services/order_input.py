"""What the order dialog asks for each service type, how answers are checked, and how they
become the panel's `add` fields. Pure functions: no aiogram, no database.

Decisions worth knowing:
- Drip-feed is offered only for the Default type (as in panel-api.md) and only when the service
  has `dripfeed`. The "runs" step is optional (a Skip button): skipping it means a normal order and
  the "interval" step is not asked. Quantity is then per run; the charged quantity is
  quantity x runs.
- Lists (comments, usernames, hashtags, groups) are one item a line; blank lines are dropped.
  Where the type counts lines as the quantity (custom comments, custom list, comment replies) the
  count must be within the service's min..max.
- Usernames are sent without a leading `@`, hashtags without `#`.
- Subscriptions are priced like the panel: the charged quantity is `max` x `posts` when posts is
  given, else `max` (see `charged_quantity`).
- Quantities accept `1000`, `1 000` (normal, no-break or thin spaces) and `1,000`. `1.000` is
  rejected as ambiguous (it reads as a decimal to half the world), as are decimals, 0,
  negatives, letters and more than 12 digits. Digits of other scripts (full-width `１００`,
  Arabic-Indic `١٠٠`) are read as the digits they are.
- Text is taken as a person sees it (`clean_line`): invisible characters (zero-width spaces,
  bidi overrides, BOMs, Hangul fillers, the braille blank...) are dropped, and a line with
  nothing visible is blank, so a comment of zero-width characters is never sent nor charged.
  Joiners stay inside a line: emoji sequences and Persian words need them.
- A link needs a public host name: `1.5`, IP addresses, `localhost` and private top-level names
  are refused, and so is a name mixing Latin, Cyrillic or Greek letters (a homograph or a typo
  that sends the order nowhere).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bot.panel.models import OrderKind
from bot.services.user_text import ascii_digits, clean_line, host_problem, is_hidden, strip_hidden

MAX_LINK_LEN = 2048
MAX_LINE_LEN = 300
MAX_LINES = 10_000
# Anything longer cannot be a valid list; refuse before splitting so a huge paste costs nothing.
MAX_TEXT_CHARS = MAX_LINES * (MAX_LINE_LEN + 2)
MAX_DIGITS = 12
MIN_RUNS = 2
MAX_RUNS = 1000
MIN_INTERVAL = 1
MAX_INTERVAL = 1440 * 30
MAX_POSTS = 100_000
MAX_ANSWER_NUMBER = 100
MAX_NAME_LEN = 64
MAX_TAG_LEN = 100
MAX_EXPIRY_YEARS = 10
DELAYS: tuple[int, ...] = (0, 5, 10, 15, 30, 60, 90)


class Step(StrEnum):
    """One question of the dialog. The value is also the name of its `OrderDialog` state."""

    LINK = "link"
    QUANTITY = "quantity"
    RUNS = "runs"
    INTERVAL = "interval"
    COMMENTS = "comments"
    USERNAMES = "usernames"
    HASHTAGS = "hashtags"
    HASHTAG = "hashtag"
    USERNAME = "username"  # a plain username (comment owner, comment replies)
    PROFILE = "profile"  # a profile URL, sent as `username` (mentions user followers)
    MEDIA = "media"
    ANSWER_NUMBER = "answer_number"
    GROUPS = "groups"
    SUB_USERNAME = "sub_username"  # a username or profile URL, sent as `username`
    SUB_MIN = "sub_min"
    SUB_MAX = "sub_max"
    SUB_POSTS = "sub_posts"
    SUB_DELAY = "sub_delay"
    SUB_EXPIRY = "sub_expiry"


# Steps that may be skipped (stored as None).
OPTIONAL_STEPS = frozenset({Step.RUNS, Step.SUB_POSTS, Step.SUB_EXPIRY})
# Steps whose answer is a list of lines.
LIST_STEPS = frozenset({Step.COMMENTS, Step.USERNAMES, Step.HASHTAGS, Step.GROUPS})

_PLANS: dict[OrderKind, tuple[Step, ...]] = {
    OrderKind.DEFAULT: (Step.LINK, Step.QUANTITY),
    OrderKind.PACKAGE: (Step.LINK,),
    OrderKind.CUSTOM_COMMENTS: (Step.LINK, Step.COMMENTS),
    OrderKind.CUSTOM_COMMENTS_PACKAGE: (Step.LINK, Step.COMMENTS),
    OrderKind.MENTIONS: (Step.LINK, Step.QUANTITY, Step.USERNAMES),
    OrderKind.MENTIONS_WITH_HASHTAGS: (Step.LINK, Step.QUANTITY, Step.USERNAMES, Step.HASHTAGS),
    OrderKind.MENTIONS_CUSTOM_LIST: (Step.LINK, Step.USERNAMES),
    OrderKind.MENTIONS_HASHTAG: (Step.LINK, Step.QUANTITY, Step.HASHTAG),
    OrderKind.MENTIONS_USER_FOLLOWERS: (Step.LINK, Step.QUANTITY, Step.PROFILE),
    OrderKind.MENTIONS_MEDIA_LIKERS: (Step.LINK, Step.QUANTITY, Step.MEDIA),
    OrderKind.COMMENT_LIKES: (Step.LINK, Step.QUANTITY, Step.USERNAME),
    OrderKind.COMMENT_REPLIES: (Step.LINK, Step.USERNAME, Step.COMMENTS),
    OrderKind.POLL: (Step.LINK, Step.QUANTITY, Step.ANSWER_NUMBER),
    OrderKind.INVITES_FROM_GROUPS: (Step.LINK, Step.QUANTITY, Step.GROUPS),
    OrderKind.SUBSCRIPTIONS: (
        Step.SUB_USERNAME,
        Step.SUB_MIN,
        Step.SUB_MAX,
        Step.SUB_POSTS,
        Step.SUB_DELAY,
        Step.SUB_EXPIRY,
    ),
}

# Types where the number of lines of a list is the quantity (and must fit min..max).
LINES_AS_QUANTITY: dict[OrderKind, Step] = {
    OrderKind.CUSTOM_COMMENTS: Step.COMMENTS,
    OrderKind.MENTIONS_CUSTOM_LIST: Step.USERNAMES,
    OrderKind.COMMENT_REPLIES: Step.COMMENTS,
}
PACKAGE_KINDS = frozenset({OrderKind.PACKAGE, OrderKind.CUSTOM_COMMENTS_PACKAGE})


class InputError(ValueError):
    """A user answer that cannot be accepted. `code` maps to the message `order-error-<code>`;
    `params` are its placeholders."""

    def __init__(self, code: str, **params: int | str) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, int | str] = params


@dataclass(frozen=True)
class ServiceLimits:
    """What the dialog needs to know about a service."""

    kind: OrderKind
    min_qty: int
    max_qty: int
    dripfeed: bool = False


Answers = Mapping[str, Any]


# --------------------------------------------------------------------------- the step plan


def plan(kind: OrderKind, dripfeed: bool = False) -> tuple[Step, ...]:
    """Every step a service type may ask, in order (the interval only matters with runs)."""
    steps = _PLANS[kind]
    if kind is OrderKind.DEFAULT and dripfeed:
        steps = (*steps, Step.RUNS, Step.INTERVAL)
    return steps


def is_needed(step: Step, answers: Answers) -> bool:
    """A step can be made unnecessary by an earlier answer: no runs -> no interval."""
    if step is Step.INTERVAL:
        return answers.get(Step.RUNS) is not None
    return True


def first_step(limits: ServiceLimits) -> Step:
    return plan(limits.kind, limits.dripfeed)[0]


def next_step(limits: ServiceLimits, answers: Answers, current: Step) -> Step | None:
    """The step after `current`, or None when the summary comes next."""
    steps = plan(limits.kind, limits.dripfeed)
    for step in steps[steps.index(current) + 1 :]:
        if is_needed(step, answers):
            return step
    return None


def previous_step(limits: ServiceLimits, answers: Answers, current: Step | None) -> Step | None:
    """The step before `current` (None = from the summary: the last step); None = none left."""
    steps = plan(limits.kind, limits.dripfeed)
    before = steps if current is None else steps[: steps.index(current)]
    for step in reversed(before):
        if is_needed(step, answers):
            return step
    return None


def active_steps(limits: ServiceLimits, answers: Answers) -> list[Step]:
    return [s for s in plan(limits.kind, limits.dripfeed) if is_needed(s, answers)]


# --------------------------------------------------------------------------- text cleaning

_SPACES = frozenset(" \u00a0\u2007\u2009\u202f")
_MINUS = frozenset("-\u2212\uff0d\ufe63\u2010\u2012\u2013\u2014")


def _single_line(text: str, limit: int) -> str:
    if len(text) > limit:
        raise InputError("too-long", max=limit)
    value = clean_line(text.replace("\n", " "))
    if not value:
        raise InputError("empty")
    return value


# --------------------------------------------------------------------------- validators

_DOMAIN_START = re.compile(r"^[\w-]+(\.[\w-]+)+(/|$)", re.UNICODE)


def parse_link(text: str) -> str:
    """An http(s) URL with a public host name. `instagram.com/p/x` gets `https://` in front.
    Invisible characters around the link (copied along from an app) are dropped; inside it
    they are refused."""
    raw = strip_hidden(text)
    if not raw:
        raise InputError("empty")
    if len(raw) > MAX_LINK_LEN:
        raise InputError("link-too-long", max=MAX_LINK_LEN)
    if any(is_hidden(ch) for ch in raw):
        raise InputError("link-spaces")
    lowered = raw.lower()
    if (
        "://" not in raw
        and _DOMAIN_START.match(raw)
        and not lowered.startswith(("javascript:", "data:"))
    ):
        raw = "https://" + raw
        if len(raw) > MAX_LINK_LEN:
            raise InputError("link-too-long", max=MAX_LINK_LEN)
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        raise InputError("link-invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputError("link-invalid")
    if "@" in parts.netloc:  # `https://instagram.com@evil.com/` goes to evil.com
        raise InputError("link-invalid")
    problem = host_problem(host)
    if problem is not None:
        raise InputError(f"link-{problem}")
    return raw


_DIGITS = re.compile(r"[0-9]+")
_COMMA_GROUPS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")
_SPACE_GROUPS = re.compile(r"[0-9]{1,3}([ \u00a0\u2007\u2009\u202f][0-9]{3})+")
_DECIMAL = re.compile(r"[0-9]*[.,][0-9]+")


def parse_whole_number(text: str) -> int:
    """A positive whole number; spaces and comma thousands separators are fine."""
    raw = ascii_digits(clean_line(text))
    if not raw:
        raise InputError("empty")
    if len(raw) > MAX_DIGITS * 2:
        raise InputError("number-too-big", max_digits=MAX_DIGITS)
    if raw[0] in _MINUS:
        raise InputError("number-positive")
    if _DIGITS.fullmatch(raw):
        digits = raw
    elif _COMMA_GROUPS.fullmatch(raw):
        digits = raw.replace(",", "")
    elif _SPACE_GROUPS.fullmatch(raw):
        digits = "".join(ch for ch in raw if ch not in _SPACES)
    elif _DECIMAL.fullmatch(raw):
        raise InputError("number-whole")
    else:
        raise InputError("number-invalid")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise InputError("number-too-big", max_digits=MAX_DIGITS)
    value = int(digits)
    if value <= 0:
        raise InputError("number-positive")
    return value


def parse_in_range(text: str, low: int, high: int, code: str = "range") -> int:
    value = parse_whole_number(text)
    if not low <= value <= high:
        raise InputError(code, min=low, max=high)
    return value


def parse_quantity(text: str, limits: ServiceLimits) -> int:
    return parse_in_range(text, limits.min_qty, limits.max_qty, "quantity-range")


_USERNAME = re.compile(r"^[\w.]{1,64}$", re.UNICODE)


def parse_username(text: str, *, allow_url: bool = False) -> str:
    """`@name` or `name` (sent without `@`); a profile URL too where `allow_url`."""
    value = _single_line(text, MAX_LINK_LEN)
    if allow_url and ("://" in value or "/" in value):
        try:
            return parse_link(value)
        except InputError:
            raise InputError("username-invalid") from None
    name = value[1:] if value.startswith("@") else value
    if not _USERNAME.match(name) or name.strip(".") == "":
        raise InputError("username-invalid")
    return name


_TAG = re.compile(r"^\w{1,100}$", re.UNICODE)


def parse_hashtag(text: str) -> str:
    """`#tag` or `tag`, sent without `#`."""
    value = _single_line(text, MAX_LINE_LEN)
    tag = value[1:] if value.startswith("#") else value
    if not _TAG.match(tag):
        raise InputError("hashtag-invalid")
    return tag


def parse_lines(
    text: str,
    *,
    min_count: int = 1,
    max_count: int = MAX_LINES,
    item: Callable[[str], str] | None = None,
) -> list[str]:
    """One item a line: blank lines dropped, each line stripped and at most MAX_LINE_LEN chars."""
    if len(text) > MAX_TEXT_CHARS or text.count("\n") >= MAX_LINES * 2:
        raise InputError("list-too-many", max=MAX_LINES)
    lines: list[str] = []
    for raw in text.splitlines():
        line = clean_line(raw)
        if not line:
            continue
        if len(lines) >= MAX_LINES:
            raise InputError("list-too-many", max=MAX_LINES)
        if len(line) > MAX_LINE_LEN:
            raise InputError("list-line-too-long", line=len(lines) + 1, max=MAX_LINE_LEN)
        if item is not None:
            try:
                line = item(line)
            except InputError:
                raise InputError("list-line-invalid", line=len(lines) + 1) from None
        lines.append(line)
    if not lines:
        raise InputError("empty")
    if not min_count <= len(lines) <= max_count:
        raise InputError("list-count", count=len(lines), min=min_count, max=max_count)
    return lines


def parse_expiry(text: str, today: date) -> str:
    """A future date as d/m/Y (also d.m.Y and d-m-Y); returned as dd/mm/YYYY."""
    value = _single_line(text, 32)
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", value)
    if not match:
        raise InputError("expiry-format")
    day, month, year = (int(g) for g in match.groups())
    try:
        when = date(year, month, day)
    except ValueError:
        raise InputError("expiry-format") from None
    if when <= today:
        raise InputError("expiry-past")
    if when.year > today.year + MAX_EXPIRY_YEARS:
        raise InputError("expiry-far", years=MAX_EXPIRY_YEARS)
    return when.strftime("%d/%m/%Y")


def parse_delay(text: str) -> int:
    raw = ascii_digits(clean_line(text[:MAX_LINE_LEN]))
    if not raw.isascii() or not raw.isdigit() or int(raw) not in DELAYS:
        raise InputError("delay-invalid", choices=", ".join(str(d) for d in DELAYS))
    return int(raw)


def _line_limits(kind: OrderKind, step: Step, limits: ServiceLimits) -> tuple[int, int]:
    if LINES_AS_QUANTITY.get(kind) is step:
        return max(1, limits.min_qty), min(limits.max_qty, MAX_LINES)
    return 1, MAX_LINES


def parse_answer(
    step: Step, text: str, limits: ServiceLimits, answers: Answers, *, today: date | None = None
) -> Any:
    """Check one answer. Returns the value to keep in the answers; raises InputError."""
    kind = limits.kind
    if step in LIST_STEPS:
        low, high = _line_limits(kind, step, limits)
        item: Callable[[str], str] | None = None
        if step is Step.USERNAMES:
            item = parse_username
        elif step is Step.HASHTAGS:
            item = parse_hashtag
        return parse_lines(text, min_count=low, max_count=high, item=item)
    if step is Step.LINK or step is Step.MEDIA:
        return parse_link(text)
    if step is Step.PROFILE:
        return parse_link(text)
    if step is Step.QUANTITY:
        return parse_quantity(text, limits)
    if step is Step.RUNS:
        return parse_in_range(text, MIN_RUNS, MAX_RUNS, "runs-range")
    if step is Step.INTERVAL:
        return parse_in_range(text, MIN_INTERVAL, MAX_INTERVAL, "interval-range")
    if step is Step.HASHTAG:
        return parse_hashtag(text)
    if step is Step.USERNAME:
        return parse_username(text)
    if step is Step.SUB_USERNAME:
        return parse_username(text, allow_url=True)
    if step is Step.ANSWER_NUMBER:
        return parse_in_range(text, 1, MAX_ANSWER_NUMBER, "answer-range")
    if step is Step.SUB_MIN:
        return parse_in_range(text, limits.min_qty, limits.max_qty, "quantity-range")
    if step is Step.SUB_MAX:
        top = parse_in_range(text, limits.min_qty, limits.max_qty, "quantity-range")
        sub_min = answers.get(Step.SUB_MIN)
        if sub_min is not None and top < int(sub_min):
            raise InputError("sub-max-below-min", min=int(sub_min))
        return top
    if step is Step.SUB_POSTS:
        return parse_in_range(text, 1, MAX_POSTS, "posts-range")
    if step is Step.SUB_DELAY:
        return parse_delay(text)
    if step is Step.SUB_EXPIRY:
        return parse_expiry(text, today or datetime.now().date())
    raise ValueError(f"unknown step {step}")  # pragma: no cover - every Step is handled above


# --------------------------------------------------------------------------- building the order


def charged_quantity(kind: OrderKind, answers: Answers) -> int:
    """Units the user is charged for (the price is rate x units / 1000; packages: 1)."""
    if kind in PACKAGE_KINDS:
        return 1
    if kind in LINES_AS_QUANTITY:
        return len(answers[LINES_AS_QUANTITY[kind]])
    if kind is OrderKind.SUBSCRIPTIONS:
        return int(answers[Step.SUB_MAX]) * int(answers.get(Step.SUB_POSTS) or 1)
    return int(answers[Step.QUANTITY]) * int(answers.get(Step.RUNS) or 1)


def _joined(value: Sequence[str]) -> str:
    return "\n".join(value)


def build_fields(kind: OrderKind, answers: Answers) -> tuple[dict[str, str | int], int]:
    """The panel `add` fields (without key/action/service) and the charged quantity."""
    a = answers
    fields: dict[str, str | int] = {}
    if kind is OrderKind.SUBSCRIPTIONS:
        fields["username"] = a[Step.SUB_USERNAME]
        fields["min"] = int(a[Step.SUB_MIN])
        fields["max"] = int(a[Step.SUB_MAX])
        if a.get(Step.SUB_POSTS) is not None:
            fields["posts"] = int(a[Step.SUB_POSTS])
        fields["delay"] = int(a[Step.SUB_DELAY])
        if a.get(Step.SUB_EXPIRY):
            fields["expiry"] = a[Step.SUB_EXPIRY]
        return fields, charged_quantity(kind, a)
    fields["link"] = a[Step.LINK]
    if Step.QUANTITY in _PLANS[kind]:
        fields["quantity"] = int(a[Step.QUANTITY])
    if kind is OrderKind.DEFAULT and a.get(Step.RUNS) is not None:
        fields["runs"] = int(a[Step.RUNS])
        fields["interval"] = int(a[Step.INTERVAL])
    for step in (Step.COMMENTS, Step.USERNAMES, Step.HASHTAGS, Step.GROUPS):
        if step in _PLANS[kind]:
            fields[step.value] = _joined(a[step])
    if Step.HASHTAG in _PLANS[kind]:
        fields["hashtag"] = a[Step.HASHTAG]
    if Step.USERNAME in _PLANS[kind]:
        fields["username"] = a[Step.USERNAME]
    if Step.PROFILE in _PLANS[kind]:
        fields["username"] = a[Step.PROFILE]
    if Step.MEDIA in _PLANS[kind]:
        fields["media"] = a[Step.MEDIA]
    if Step.ANSWER_NUMBER in _PLANS[kind]:
        fields["answer_number"] = int(a[Step.ANSWER_NUMBER])
    return fields, charged_quantity(kind, a)


def is_complete(limits: ServiceLimits, answers: Answers) -> bool:
    """Every needed step answered (optional ones may be None)."""
    for step in active_steps(limits, answers):
        if step not in answers:
            return False
        if answers[step] is None and step not in OPTIONAL_STEPS:
            return False
    return True
