"""Logging that can never print a secret: every record is scrubbed of the bot token and the
panel key before it is written, whatever library produced it. `redact` is the one scrubber:
text that is stored (an outbox row's error) goes through it too."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import quote

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


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
