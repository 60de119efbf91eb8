"""One setting read the way `bot.config` reads it (the environment, then `.env`), without
importing pydantic: `python -m bot health` runs every minute and must stay cheap.

The common `.env` forms are parsed here; anything unusual (backslash escapes, `${VAR}`,
a quote left open) is handed to python-dotenv, the parser pydantic-settings uses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_FILE = ".env"
# KEY=value, KEY = value, export KEY=value (python-dotenv's grammar, one line)
_LINE = re.compile(r"\s*(?:export\s+)?([^=#\s]+)\s*=(\s*)(.*)")


def unquote(value: str) -> str:
    """Drop one matching pair of surrounding quotes. `docker run --env-file` keeps quotes
    that python-dotenv (the venv's `.env`) removes; both spellings mean the same value."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def read_setting(name: str, default: str, env_file: Path | str = ENV_FILE) -> str:
    """The value of setting `name` as the bot would see it: the environment wins over
    `.env`, names are case-insensitive, one pair of surrounding quotes is dropped."""
    wanted = name.lower()
    for key, value in os.environ.items():
        if key.lower() == wanted:
            return unquote(value)
    found = _from_env_file(Path(env_file), wanted)
    return default if found is None else unquote(found)


def _from_env_file(path: Path, wanted: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found: str | None = None
    for line in text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _LINE.match(line)
        if match is None or match.group(1).lower() != wanted:
            key = match.group(1) if match else ""
            if wanted in line.lower() and (match is None or key[:1] in ("'", '"')):
                return _dotenv_value(path, wanted)  # e.g. a quoted key
            continue
        value = _simple_value(bool(match.group(2)), match.group(3))
        if value is None:
            return _dotenv_value(path, wanted)
        found = value  # the last assignment wins, as in python-dotenv
    return found


def _simple_value(spaced: bool, raw: str) -> str | None:
    """`raw` (what follows `=` and its spaces) parsed, or None when only the full parser
    can say what it means."""
    if "\\" in raw or "${" in raw:
        return None
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        if end < 0:
            return None  # a value spanning lines, or a broken line
        rest = raw[end + 1 :]
        if rest.strip() and not rest.lstrip().startswith("#"):
            return None
        return raw[1:end]
    if spaced and raw.startswith("#"):
        return ""  # `KEY= # comment` is empty; `KEY=#x` is "#x"
    return re.sub(r"\s+#.*", "", raw).rstrip()


def _dotenv_value(path: Path, wanted: str) -> str | None:
    from dotenv import dotenv_values

    values = {key.lower(): value for key, value in dotenv_values(path).items()}
    return values.get(wanted)
