"""The order dialog's step plans, validators and panel fields, without Telegram."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest

from bot.panel.models import OrderKind
from bot.services import order_input as oi
from bot.services.order_input import InputError, ServiceLimits, Step

TODAY = date(2025, 6, 15)
K = OrderKind


def limits(kind: OrderKind, lo: int = 10, hi: int = 10_000, drip: bool = False) -> ServiceLimits:
    return ServiceLimits(kind, lo, hi, drip)


def code_of(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value.code


# --------------------------------------------------------------------------- plans

PLANS = {
    K.DEFAULT: ["link", "quantity"],
    K.PACKAGE: ["link"],
    K.CUSTOM_COMMENTS: ["link", "comments"],
    K.CUSTOM_COMMENTS_PACKAGE: ["link", "comments"],
    K.MENTIONS: ["link", "quantity", "usernames"],
    K.MENTIONS_WITH_HASHTAGS: ["link", "quantity", "usernames", "hashtags"],
    K.MENTIONS_CUSTOM_LIST: ["link", "usernames"],
    K.MENTIONS_HASHTAG: ["link", "quantity", "hashtag"],
    K.MENTIONS_USER_FOLLOWERS: ["link", "quantity", "profile"],
    K.MENTIONS_MEDIA_LIKERS: ["link", "quantity", "media"],
    K.COMMENT_LIKES: ["link", "quantity", "username"],
    K.COMMENT_REPLIES: ["link", "username", "comments"],
    K.POLL: ["link", "quantity", "answer_number"],
    K.INVITES_FROM_GROUPS: ["link", "quantity", "groups"],
    K.SUBSCRIPTIONS: ["sub_username", "sub_min", "sub_max", "sub_posts", "sub_delay", "sub_expiry"],
}


def test_every_kind_has_a_plan() -> None:
    assert set(PLANS) == set(OrderKind)


@pytest.mark.parametrize("kind", list(OrderKind))
def test_plan_per_kind(kind: OrderKind) -> None:
    assert [s.value for s in oi.plan(kind)] == PLANS[kind]
    # dripfeed adds runs + interval only to Default
    with_drip = [s.value for s in oi.plan(kind, dripfeed=True)]
    expected = PLANS[kind] + (["runs", "interval"] if kind is K.DEFAULT else [])
    assert with_drip == expected


def test_navigation_skips_interval_without_runs() -> None:
    lim = limits(K.DEFAULT, drip=True)
    assert oi.first_step(lim) is Step.LINK
    assert oi.next_step(lim, {}, Step.LINK) is Step.QUANTITY
    assert oi.next_step(lim, {}, Step.QUANTITY) is Step.RUNS
    assert oi.next_step(lim, {"runs": None}, Step.RUNS) is None
    assert oi.next_step(lim, {"runs": 3}, Step.RUNS) is Step.INTERVAL
    assert oi.next_step(lim, {"runs": 3}, Step.INTERVAL) is None
    assert oi.previous_step(lim, {"runs": None}, None) is Step.RUNS
    assert oi.previous_step(lim, {"runs": 3}, None) is Step.INTERVAL
    assert oi.previous_step(lim, {}, Step.LINK) is None
    assert oi.previous_step(lim, {}, Step.QUANTITY) is Step.LINK


def test_is_complete() -> None:
    lim = limits(K.DEFAULT, drip=True)
    assert not oi.is_complete(lim, {"link": "https://a.b"})
    assert oi.is_complete(lim, {"link": "https://a.b", "quantity": 10, "runs": None})
    assert not oi.is_complete(lim, {"link": "https://a.b", "quantity": 10, "runs": 2})
    assert not oi.is_complete(lim, {"link": None, "quantity": 10, "runs": None})


# --------------------------------------------------------------------------- link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://instagram.com/p/abc", "https://instagram.com/p/abc"),
        ("  http://t.me/channel/5  ", "http://t.me/channel/5"),
        ("instagram.com/p/abc", "https://instagram.com/p/abc"),
        ("https://пример.рф/путь", "https://пример.рф/путь"),
        ("https://www.youtube.com/watch?v=x&t=1", "https://www.youtube.com/watch?v=x&t=1"),
        # what real SMM links look like, typed with or without the scheme
        ("instagram.com/p/Cx1_y-Z/?igsh=abc", "https://instagram.com/p/Cx1_y-Z/?igsh=abc"),
        ("youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
        ("t.me/channel/123", "https://t.me/channel/123"),
        (
            "https://www.tiktok.com/@user.name/video/7312",
            "https://www.tiktok.com/@user.name/video/7312",
        ),
        ("vk.com/wall-1_2", "https://vk.com/wall-1_2"),
        ("https://m.facebook.com/story.php?id=1", "https://m.facebook.com/story.php?id=1"),
        ("https://xn--e1afmkfd.xn--p1ai/", "https://xn--e1afmkfd.xn--p1ai/"),  # пример.рф
        ("https://twitter.com:443/x", "https://twitter.com:443/x"),
        # invisible characters copied along around the link are dropped
        ("\u200ehttps://t.me/c/1\u200b\ufeff", "https://t.me/c/1"),
    ],
)
def test_link_ok(text: str, expected: str) -> None:
    assert oi.parse_link(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("javascript:alert(1)", "link-invalid"),
        ("data:text/html,hi", "link-invalid"),
        ("ftp://example.com/x", "link-invalid"),
        ("https://", "link-invalid"),
        ("https:///path", "link-invalid"),
        ("https://localhost/x", "link-invalid"),
        ("just words", "link-spaces"),
        ("https://a.com/x y", "link-spaces"),
        ("https://a.com/\x00x", "link-spaces"),
        ("https://a.com/\u202ex", "link-spaces"),
        ("https://a.com/" + "x" * 2048, "link-too-long"),
        ("hello", "link-invalid"),
        ("https://a.com:99999/", "link-invalid"),
        # a link needs a public host name
        ("1.5", "link-invalid"),
        ("https://1.5", "link-invalid"),
        ("10.000", "link-invalid"),
        ("https://1.2.3.4/x", "link-invalid"),
        ("http://127.0.0.1:8080/admin", "link-invalid"),
        ("http://169.254.169.254/latest/meta-data", "link-invalid"),
        ("http://[::1]/", "link-invalid"),
        ("http://2130706433/", "link-invalid"),
        ("http://0x7f.1/", "link-invalid"),
        ("https://a.c/x", "link-invalid"),
        ("https://a.co1/x", "link-invalid"),
        ("https://printer.local/", "link-invalid"),
        ("https://svc.internal/", "link-invalid"),
        ("http://localhost.localdomain/", "link-invalid"),
        ("https://abc.onion/", "link-invalid"),
        ("https://-a.com/", "link-invalid"),
        ("https://a..com/", "link-invalid"),
        ("https://" + "a" * 64 + ".com/", "link-invalid"),
        ("https://xn--zz-.com/", "link-invalid"),
        ("https://instagram.com@evil.com/p/x", "link-invalid"),
        ("https://user:pw@instagram.com/", "link-invalid"),
        ("file:///etc/passwd", "link-invalid"),
        ("@username", "link-invalid"),
        # a homograph: Cyrillic letters among Latin ones, also when written in punycode
        ("https://instаgram.com/p/x", "link-mixed-script"),
        ("https://instagram.cоm/p/x", "link-mixed-script"),
        ("https://xn--nstagram-2gg.com/", "link-mixed-script"),
        ("https://\u0456nstagram.com/", "link-mixed-script"),
        # a blank-looking letter is not a host
        ("https://\u3164.com/", "link-spaces"),
        ("\u200b\u200b", "empty"),
    ],
)
def test_link_rejected(text: str, code: str) -> None:
    assert code_of(oi.parse_link, text) == code


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1000", 1000),
        ("1 000", 1000),
        ("1\u00a0000", 1000),
        ("1\u2009000", 1000),
        ("1\u202f000 000", 1_000_000),
        ("1,000", 1000),
        ("12,345,678", 12_345_678),
        (" 42 ", 42),
        ("007", 7),
        ("999999999999", 999_999_999_999),
        # digits of other scripts are the digits they are
        ("１００", 100),
        ("١٢٣", 123),
        ("۱۲۳", 123),
        ("1\u200b000", 1000),
        ("\u2066500\u2069", 500),
    ],
)
def test_whole_number_ok(text: str, value: int) -> None:
    assert oi.parse_whole_number(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0", "number-positive"),
        ("000", "number-positive"),
        ("-5", "number-positive"),
        ("−5", "number-positive"),
        ("10.5", "number-whole"),
        ("10,5", "number-whole"),
        ("1.000", "number-whole"),
        ("abc", "number-invalid"),
        ("10k", "number-invalid"),
        ("1 00", "number-invalid"),
        ("1,00,000", "number-invalid"),
        ("1e5", "number-invalid"),
        ("1000000000000", "number-too-big"),
        ("9" * 100, "number-too-big"),
        ("", "empty"),
        ("🙂", "number-invalid"),
        ("－５", "number-positive"),
        ("\u200b\ufeff", "empty"),
        ("1e309", "number-invalid"),
        ("0x10", "number-invalid"),
        ("1_000", "number-invalid"),
        ("²", "number-invalid"),
        ("inf", "number-invalid"),
    ],
)
def test_whole_number_rejected(text: str, code: str) -> None:
    assert code_of(oi.parse_whole_number, text) == code


def test_quantity_range() -> None:
    lim = limits(K.DEFAULT, 10, 1000)
    assert oi.parse_answer(Step.QUANTITY, "10", lim, {}) == 10
    assert oi.parse_answer(Step.QUANTITY, "1,000", lim, {}) == 1000
    with pytest.raises(InputError) as info:
        oi.parse_answer(Step.QUANTITY, "9", lim, {})
    assert info.value.code == "quantity-range"
    assert info.value.params == {"min": 10, "max": 1000}
    assert code_of(oi.parse_answer, Step.QUANTITY, "1001", lim, {}) == "quantity-range"


@pytest.mark.parametrize(
    ("step", "ok", "bad", "code"),
    [
        (Step.RUNS, ["2", "1000"], ["1", "1001"], "runs-range"),
        (Step.INTERVAL, ["1", "43200"], ["43201"], "interval-range"),
        (Step.ANSWER_NUMBER, ["1", "12"], ["101"], "answer-range"),
        (Step.SUB_POSTS, ["1", "100000"], ["100001"], "posts-range"),
    ],
)
def test_bounded_numbers(step: Step, ok: list[str], bad: list[str], code: str) -> None:
    lim = limits(K.DEFAULT, drip=True)
    for text in ok:
        assert oi.parse_answer(step, text, lim, {}) == int(text)
    for text in bad:
        assert code_of(oi.parse_answer, step, text, lim, {}) == code
    assert code_of(oi.parse_answer, step, "0", lim, {}) == "number-positive"


# --------------------------------------------------------------------------- names, tags


@pytest.mark.parametrize(
    ("text", "value"),
    [("@name", "name"), ("name", "name"), ("first.last_1", "first.last_1"), ("@Имя", "Имя")],
)
def test_username_ok(text: str, value: str) -> None:
    assert oi.parse_username(text) == value


@pytest.mark.parametrize("text", ["@", "two words", "a/b", "name!", "x" * 65, "..", "@@name"])
def test_username_rejected(text: str) -> None:
    assert code_of(oi.parse_username, text) == "username-invalid"


def test_username_url_only_where_allowed() -> None:
    url = "https://instagram.com/someone"
    assert oi.parse_username(url, allow_url=True) == url
    assert code_of(oi.parse_username, url) == "username-invalid"
    assert code_of(oi.parse_username, "https:// bad", allow_url=True) == "username-invalid"
    assert oi.parse_username("@chan", allow_url=True) == "chan"


@pytest.mark.parametrize(
    ("text", "value"), [("#tag", "tag"), ("tag", "tag"), ("#лето2025", "лето2025")]
)
def test_hashtag_ok(text: str, value: str) -> None:
    assert oi.parse_hashtag(text) == value


@pytest.mark.parametrize("text", ["#", "two words", "#a#b", "#tag!", "#" + "x" * 101])
def test_hashtag_rejected(text: str) -> None:
    assert code_of(oi.parse_hashtag, text) == "hashtag-invalid"


def test_control_characters_are_stripped() -> None:
    assert oi.parse_hashtag("#ta\x07g") == "tag"
    assert oi.parse_whole_number("1\x00000") == 1000
    assert oi.clean_line("a\u200db\n") == "a\u200db"


INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
    "\ufe0f\ufe00\U000e0100\u3164\u115f\u1160\uffa0\u2800"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ud800\uffff\U0010fffe"
)


@pytest.mark.parametrize("char", list(INVISIBLE), ids=lambda c: f"U+{ord(c):04X}")
def test_a_line_of_invisible_characters_is_blank(char: str) -> None:
    assert oi.clean_line(char * 5) == ""
    assert oi.clean_line(f" {char} \t{char}") == ""


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        (Step.COMMENTS, K.CUSTOM_COMMENTS),
        (Step.COMMENTS, K.CUSTOM_COMMENTS_PACKAGE),
        (Step.USERNAMES, K.MENTIONS),
        (Step.HASHTAGS, K.MENTIONS_WITH_HASHTAGS),
        (Step.GROUPS, K.INVITES_FROM_GROUPS),
        (Step.USERNAME, K.COMMENT_LIKES),
        (Step.HASHTAG, K.MENTIONS_HASHTAG),
        (Step.SUB_USERNAME, K.SUBSCRIPTIONS),
        (Step.QUANTITY, K.DEFAULT),
        (Step.LINK, K.DEFAULT),
    ],
)
def test_an_answer_of_invisible_characters_is_empty(step: Step, kind: OrderKind) -> None:
    """Before: a comment of zero-width spaces was accepted and charged as one comment."""
    text = "\n".join([INVISIBLE, "\u200b" * 40, "\u3164\u3164", "\u2800", "\u202e\u200f"])
    assert code_of(oi.parse_answer, step, text, limits(kind, 1), {}) == "empty"


def test_invisible_lines_are_not_counted_or_charged() -> None:
    lim = limits(K.CUSTOM_COMMENTS, 1, 100)
    answers = {Step.LINK: "https://instagram.com/p/x"}
    comments = oi.parse_answer(Step.COMMENTS, "Nice\n\u200b\n\u3164\nCool\u200b", lim, answers)
    assert comments == ["Nice", "Cool"]
    fields, charged = oi.build_fields(K.CUSTOM_COMMENTS, {**answers, Step.COMMENTS: comments})
    assert fields["comments"] == "Nice\nCool" and charged == 2


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # family: joiners inside stay
        ("❤\ufe0f", "❤\ufe0f"),  # the emoji presentation selector at the end stays
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"),  # Scotland
        ("1\ufe0f\u20e3", "1\ufe0f\u20e3"),  # keycap
        ("\u200dHi\u200d", "Hi"),  # a joiner at either end joins nothing
        ("\u200b Nice \u200b\u200e", "Nice"),
        ("\u202eevil\u202c", "evil"),  # bidi overrides go
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian needs the non-joiner
        ("\U0001fae8", "\U0001fae8"),  # an emoji newer than Python's Unicode tables
        ("a\u3164b", "a b"),  # a Hangul filler is a space
        ("Nice\tpost\r", "Nice post"),  # a tab is a space
        ("日本\u3000語", "日本\u3000語"),  # other spaces inside stay as typed
        ("\uffffok\ufdd0", "ok"),  # noncharacters are never text
        ("<b>x</b> { $x } %s", "<b>x</b> { $x } %s"),
    ],
)  # fmt: skip
def test_clean_line_keeps_what_is_seen(text: str, kept: str) -> None:
    assert oi.clean_line(text) == kept


@pytest.mark.parametrize("text", ["\u3164", "\u200bname", "na\u200bme", "\u2800"])
def test_usernames_and_hashtags_are_what_is_seen(text: str) -> None:
    visible = oi.clean_line(text)
    if visible:
        assert oi.parse_username(text) == visible
        assert oi.parse_hashtag("#" + text) == visible
    else:
        assert code_of(oi.parse_username, text) == "empty"
        assert code_of(oi.parse_hashtag, text) == "empty"


# --------------------------------------------------------------------------- lists


def test_lines_split_strip_drop_blanks() -> None:
    text = "  first 😍 \r\n\n\t\nsecond\x00\n   \nthird👨‍👩‍👧"
    assert oi.parse_lines(text) == ["first 😍", "second", "third👨‍👩‍👧"]


def test_line_too_long_reports_the_line() -> None:
    with pytest.raises(InputError) as info:
        oi.parse_lines("ok\n" + "x" * 301)
    assert info.value.code == "list-line-too-long"
    assert info.value.params == {"line": 2, "max": 300}
    assert oi.parse_lines("x" * 300) == ["x" * 300]


def test_list_count_limits() -> None:
    with pytest.raises(InputError) as info:
        oi.parse_lines("a\nb\nc", min_count=1, max_count=2)
    assert info.value.code == "list-count"
    assert info.value.params == {"count": 3, "min": 1, "max": 2}
    assert code_of(oi.parse_lines, "\n \n") == "empty"


def test_list_of_10000_lines_is_fine_and_10001_refused_fast() -> None:
    ok = "\n".join(f"c{i}" for i in range(10_000))
    assert len(oi.parse_lines(ok)) == 10_000
    started = time.perf_counter()
    assert code_of(oi.parse_lines, ok + "\nmore") == "list-too-many"
    assert code_of(oi.parse_lines, "x\n" * 1_000_000) == "list-too-many"
    assert code_of(oi.parse_lines, "x" * 5_000_000) == "list-too-many"
    assert time.perf_counter() - started < 5  # never hangs


def test_list_items_are_checked() -> None:
    lim = limits(K.MENTIONS)
    assert oi.parse_answer(Step.USERNAMES, "@a\nb", lim, {}) == ["a", "b"]
    with pytest.raises(InputError) as info:
        oi.parse_answer(Step.USERNAMES, "@a\nbad name", lim, {})
    assert info.value.code == "list-line-invalid"
    assert info.value.params == {"line": 2}
    assert oi.parse_answer(Step.HASHTAGS, "#a\nb", lim, {}) == ["a", "b"]
    assert oi.parse_answer(Step.GROUPS, "https://t.me/g\n@g2", lim, {}) == ["https://t.me/g", "@g2"]


@pytest.mark.parametrize(
    ("kind", "step"),
    [
        (K.CUSTOM_COMMENTS, Step.COMMENTS),
        (K.MENTIONS_CUSTOM_LIST, Step.USERNAMES),
        (K.COMMENT_REPLIES, Step.COMMENTS),
    ],
)
def test_lines_as_quantity_use_service_range(kind: OrderKind, step: Step) -> None:
    lim = limits(kind, 2, 3)
    assert oi.parse_answer(step, "a\nb", lim, {}) == ["a", "b"]
    assert code_of(oi.parse_answer, step, "a", lim, {}) == "list-count"
    assert code_of(oi.parse_answer, step, "a\nb\nc\nd", lim, {}) == "list-count"


def test_package_comments_are_not_counted_against_min_max() -> None:
    lim = limits(K.CUSTOM_COMMENTS_PACKAGE, 1, 1)
    assert oi.parse_answer(Step.COMMENTS, "a\nb\nc", lim, {}) == ["a", "b", "c"]


# --------------------------------------------------------------------------- subscriptions


def test_subscription_min_max() -> None:
    lim = limits(K.SUBSCRIPTIONS, 100, 1000)
    assert oi.parse_answer(Step.SUB_MIN, "100", lim, {}) == 100
    assert code_of(oi.parse_answer, Step.SUB_MIN, "99", lim, {}) == "quantity-range"
    assert oi.parse_answer(Step.SUB_MAX, "500", lim, {"sub_min": 500}) == 500
    with pytest.raises(InputError) as info:
        oi.parse_answer(Step.SUB_MAX, "400", lim, {"sub_min": 500})
    assert info.value.code == "sub-max-below-min"
    assert info.value.params == {"min": 500}
    assert code_of(oi.parse_answer, Step.SUB_MAX, "1001", lim, {"sub_min": 500}) == "quantity-range"


@pytest.mark.parametrize("text", ["0", "5", "10", "15", "30", "60", "90"])
def test_delay_ok(text: str) -> None:
    assert oi.parse_delay(text) == int(text)


@pytest.mark.parametrize("text", ["1", "45", "600", "-5", "five", ""])
def test_delay_rejected(text: str) -> None:
    assert code_of(oi.parse_delay, text) == "delay-invalid"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1/7/2025", "01/07/2025"), ("31.12.2025", "31/12/2025"), ("16-06-2025", "16/06/2025")],
)
def test_expiry_ok(text: str, value: str) -> None:
    assert oi.parse_expiry(text, TODAY) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("15/06/2025", "expiry-past"),
        ("1/1/2020", "expiry-past"),
        ("31/02/2026", "expiry-format"),
        ("2026-01-01", "expiry-format"),
        ("tomorrow", "expiry-format"),
        ("1/1/2099", "expiry-far"),
        ("", "empty"),
    ],
)
def test_expiry_rejected(text: str, code: str) -> None:
    assert code_of(oi.parse_expiry, text, TODAY) == code


def test_expiry_through_parse_answer_uses_today() -> None:
    lim = limits(K.SUBSCRIPTIONS)
    assert oi.parse_answer(Step.SUB_EXPIRY, "1/7/2025", lim, {}, today=TODAY) == "01/07/2025"


def test_very_long_single_line_input_is_refused() -> None:
    assert code_of(oi.parse_answer, Step.USERNAME, "x" * 100_000, limits(K.COMMENT_LIKES), {}) in {
        "too-long",
        "username-invalid",
    }
    assert code_of(oi.parse_answer, Step.QUANTITY, "1" * 100_000, limits(K.DEFAULT), {}) == (
        "number-too-big"
    )


# --------------------------------------------------------------------------- build_fields

LINK = "https://instagram.com/p/abc"

BUILD_CASES: list[tuple[OrderKind, dict[str, Any], dict[str, Any], int]] = [
    (K.DEFAULT, {"link": LINK, "quantity": 100}, {"link": LINK, "quantity": 100}, 100),
    (
        K.DEFAULT,
        {"link": LINK, "quantity": 100, "runs": 5, "interval": 30},
        {"link": LINK, "quantity": 100, "runs": 5, "interval": 30},
        500,
    ),
    (K.DEFAULT, {"link": LINK, "quantity": 100, "runs": None},
     {"link": LINK, "quantity": 100}, 100),
    (K.PACKAGE, {"link": LINK}, {"link": LINK}, 1),
    (K.CUSTOM_COMMENTS, {"link": LINK, "comments": ["a", "b 😍"]},
     {"link": LINK, "comments": "a\nb 😍"}, 2),
    (K.CUSTOM_COMMENTS_PACKAGE, {"link": LINK, "comments": ["a", "b"]},
     {"link": LINK, "comments": "a\nb"}, 1),
    (
        K.MENTIONS,
        {"link": LINK, "quantity": 100, "usernames": ["u1", "u2"]},
        {"link": LINK, "quantity": 100, "usernames": "u1\nu2"},
        100,
    ),
    (
        K.MENTIONS_WITH_HASHTAGS,
        {"link": LINK, "quantity": 100, "usernames": ["u1"], "hashtags": ["t1", "t2"]},
        {"link": LINK, "quantity": 100, "usernames": "u1", "hashtags": "t1\nt2"},
        100,
    ),
    (K.MENTIONS_CUSTOM_LIST, {"link": LINK, "usernames": ["a", "b", "c"]},
     {"link": LINK, "usernames": "a\nb\nc"}, 3),
    (
        K.MENTIONS_HASHTAG,
        {"link": LINK, "quantity": 200, "hashtag": "travel"},
        {"link": LINK, "quantity": 200, "hashtag": "travel"},
        200,
    ),
    (
        K.MENTIONS_USER_FOLLOWERS,
        {"link": LINK, "quantity": 200, "profile": "https://instagram.com/x"},
        {"link": LINK, "quantity": 200, "username": "https://instagram.com/x"},
        200,
    ),
    (
        K.MENTIONS_MEDIA_LIKERS,
        {"link": LINK, "quantity": 200, "media": "https://instagram.com/p/m"},
        {"link": LINK, "quantity": 200, "media": "https://instagram.com/p/m"},
        200,
    ),
    (
        K.COMMENT_LIKES,
        {"link": LINK, "quantity": 20, "username": "owner"},
        {"link": LINK, "quantity": 20, "username": "owner"},
        20,
    ),
    (
        K.COMMENT_REPLIES,
        {"link": LINK, "username": "owner", "comments": ["r1", "r2"]},
        {"link": LINK, "username": "owner", "comments": "r1\nr2"},
        2,
    ),
    (
        K.POLL,
        {"link": LINK, "quantity": 50, "answer_number": 2},
        {"link": LINK, "quantity": 50, "answer_number": 2},
        50,
    ),
    (
        K.INVITES_FROM_GROUPS,
        {"link": LINK, "quantity": 100, "groups": ["g1", "g2"]},
        {"link": LINK, "quantity": 100, "groups": "g1\ng2"},
        100,
    ),
    (
        K.SUBSCRIPTIONS,
        {"sub_username": "chan", "sub_min": 100, "sub_max": 200, "sub_posts": 5,
         "sub_delay": 30, "sub_expiry": "31/12/2025"},
        {"username": "chan", "min": 100, "max": 200, "posts": 5, "delay": 30,
         "expiry": "31/12/2025"},
        1000,
    ),
    (
        K.SUBSCRIPTIONS,
        {"sub_username": "chan", "sub_min": 100, "sub_max": 200, "sub_posts": None,
         "sub_delay": 0, "sub_expiry": None},
        {"username": "chan", "min": 100, "max": 200, "delay": 0},
        200,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "answers", "fields", "charged"), BUILD_CASES)
def test_build_fields(
    kind: OrderKind, answers: dict[str, Any], fields: dict[str, Any], charged: int
) -> None:
    assert oi.build_fields(kind, answers) == (fields, charged)
    assert oi.charged_quantity(kind, answers) == charged


def test_build_fields_covers_every_kind() -> None:
    assert {case[0] for case in BUILD_CASES} == set(OrderKind)


def test_build_fields_never_has_reserved_keys() -> None:
    for kind, answers, _, _ in BUILD_CASES:
        fields, _ = oi.build_fields(kind, answers)
        assert not {"key", "action", "service"} & set(fields)
