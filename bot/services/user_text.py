"""What people type, as they see it: invisible characters, blank-looking letters, digits of
other scripts and host names of links. Pure functions, shared by every place that reads free
text from a user.

Telegram delivers whatever a client sends: zero-width spaces, bidi overrides, byte-order marks,
Hangul fillers and the braille blank all arrive as text that shows nothing. A line made only of
them is blank here, so it is never accepted as a comment, a name or a search.
"""

from __future__ import annotations

import re
import unicodedata

# Letters and symbols that render as an empty space: Hangul fillers (a favourite for "blank"
# nicknames) and the braille blank. They count as spaces.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Format characters that only mean something next to visible ones: the joiners (emoji
# sequences, Persian and Indic words) and the tag characters of subdivision flags. Every other
# format character (zero-width space, word joiner, BOM, soft hyphen, bidi marks, embeddings,
# overrides and isolates...) is dropped.
JOINERS = frozenset("\u200c\u200d") | frozenset(map(chr, range(0xE0020, 0xE0080)))
# Variation selectors attach to the character before them.
SELECTORS = frozenset(map(chr, range(0xFE00, 0xFE10))) | frozenset(
    map(chr, range(0xE0100, 0xE01F0))
)


def _is_noncharacter(ch: str) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane: never text."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def _is_dropped(ch: str) -> bool:
    """Controls (but not whitespace ones), lone surrogates, noncharacters and format
    characters other than the joiners."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return not ch.isspace()
    return category == "Cs" or (category == "Cf" and ch not in JOINERS) or _is_noncharacter(ch)


def is_visible(ch: str) -> bool:
    """A character that shows something by itself. Unassigned code points count: to Python
    3.11 the emoji of later Unicode versions are unassigned."""
    if ch in BLANKS or ch.isspace():
        return False
    category = unicodedata.category(ch)
    return category[0] not in "CMZ" or category in ("Cn", "Co")


def is_hidden(ch: str) -> bool:
    """Space, a control, a format character, a variation selector or a blank-looking letter:
    nothing a link holds."""
    return (
        ch.isspace()
        or ch in BLANKS
        or ch in SELECTORS
        or _is_noncharacter(ch)
        or unicodedata.category(ch) in ("Cc", "Cf", "Cs")
    )


def clean_line(text: str) -> str:
    """What a person sees of a line of text: control characters, lone surrogates,
    noncharacters and invisible format characters dropped, tabs and blank-looking letters
    made spaces, surrounding space stripped. A line with nothing visible left is empty ("" is
    returned)."""
    kept: list[str] = []
    for ch in text:
        if _is_dropped(ch):
            continue
        # a tab between words is a space, not nothing; so is a blank-looking letter
        kept.append(" " if ch in BLANKS or unicodedata.category(ch) == "Cc" else ch)
    if not any(is_visible(ch) for ch in kept):
        return ""
    start, end = 0, len(kept)
    while kept[start].isspace() or kept[start] in JOINERS or kept[start] in SELECTORS:
        start += 1
    while kept[end - 1].isspace() or kept[end - 1] in ("\u200c", "\u200d"):
        end -= 1
    return "".join(kept[start:end])


def strip_hidden(text: str) -> str:
    """`text` without the hidden characters around it (copied along from an app)."""
    start, end = 0, len(text)
    while start < end and is_hidden(text[start]):
        start += 1
    while end > start and is_hidden(text[end - 1]):
        end -= 1
    return text[start:end]


def ascii_digits(text: str) -> str:
    """Digits of any script (full-width, Arabic-Indic, Devanagari...) as ASCII digits."""
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


# --------------------------------------------------------------------------- host names

_LABEL = re.compile(r"^[\w-]{1,63}$", re.UNICODE)
# Top-level names that never reach the public internet (RFC 6761, 6762, 7686, 8375, ICANN's
# .internal and common private ones): no panel can deliver anything there.
PRIVATE_TLDS = frozenset(
    {"localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "corp",
     "test", "invalid", "example", "onion", "arpa"}
)  # fmt: skip
# Scripts whose letters look alike: one name mixing them is a typo or a homograph.
CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})


def _label_text(label: str) -> str | None:
    """A host label as a person reads it: punycode decoded, full-width letters folded; None
    when the punycode is broken."""
    if label.startswith("xn--"):
        try:
            label = label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return None
    return unicodedata.normalize("NFKC", label)


def host_problem(host: str) -> str | None:
    """Why `host` is not a public host name (`invalid`, `mixed-script`), or None.

    A public host is dotted labels ending in a top-level name of letters (or its punycode).
    IP addresses, bare numbers like `1.5`, single names like `localhost` and private
    top-level names are refused: social networks are never reached that way. A label mixing
    Latin, Cyrillic or Greek letters (`instаgram` with a Cyrillic `а`) is a homograph or a
    keyboard-layout typo: the order would go nowhere.
    """
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2:
        return "invalid"
    for label in labels:
        if not _LABEL.match(label) or label.startswith("-") or label.endswith("-"):
            return "invalid"
    readable = [_label_text(label.lower()) for label in labels]
    tld = readable[-1]
    if tld is None or len(tld) < 2 or not tld.isalpha() or tld in PRIVATE_TLDS:
        return "invalid"
    for text in readable:
        if text is None:
            return "invalid"
        scripts = {unicodedata.name(ch, "?").split(" ")[0] for ch in text if ch.isalpha()}
        if len(scripts & CONFUSABLE_SCRIPTS) > 1:
            return "mixed-script"
    return None
