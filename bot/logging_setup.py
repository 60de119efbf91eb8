"""Logging that can never print a secret: every record is scrubbed of the bot token and the
panel key before it is written, whatever library produced it. `redact` is the one scrubber:
text that is stored (an outbox row's error) goes through it too."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot import logctx

MASK = "***"
MIN_SECRET = 4  # shorter "secrets" would mask ordinary text


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret masked: as it is, and URL-encoded (a bot token sits in the
    Bot API's URLs, `/bot<token>/`, and an HTTP error quotes the URL, its ':' maybe as %3A)."""
    for secret in secrets:
        if not secret or len(secret) < MIN_SECRET:
            continue
        text = text.replace(secret, MASK)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = re.sub(re.escape(encoded), MASK, text, flags=re.IGNORECASE)
    return text


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET]

    def _scrub(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self._scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self._scrub(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


# LogRecord's own attributes: anything else on a record came from `extra=` and is written out.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the fields of
    `bot.logctx` known when the line was made (update, user, order, panel action), `extra=`
    fields and the traceback as `exc`. Runs after `RedactSecrets` (a handler filter), so the
    message and the traceback are already scrubbed; the other values are scrubbed here too."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= MIN_SECRET]

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "context", None) or logctx.current())
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key != "context" and key not in entry:
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        line = json.dumps(entry, ensure_ascii=False, default=str)
        return redact(line, self.secrets) if self.secrets else line


class _Context(logging.Filter):
    """Takes the context fields when the line is made (a handler may format it later)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = logctx.current()
        return True


def setup_logging(
    level: str = "INFO", secrets: Iterable[str] = (), log_format: str = "text"
) -> None:
    """`text` (the default): one readable line per record; `json`: one JSON object per line
    (`JsonFormatter`). Both go through `RedactSecrets`."""
    secrets = list(secrets)
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(secrets))
        handler.addFilter(_Context())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
