"""Typed panel errors: each class tells the caller what is safe to do next.

Modelled on aiogram's ``check_response`` / ``TelegramAPIError`` split:

* :class:`PanelRejected` - the panel answered and said no. Nothing was done.
* :class:`PanelNotSent` - the request certainly never reached the panel. Safe to resend.
* :class:`PanelOutcomeUnknown` - the request may have been processed. Never resend an ``add``.

Messages carry the action and HTTP status, never the API key, and at most a short
excerpt of a bad body.
"""

from __future__ import annotations

BODY_EXCERPT_LIMIT = 200


def excerpt(body: str, limit: int = BODY_EXCERPT_LIMIT) -> str:
    """A short single-line excerpt of a body, for error messages and logs."""
    flat = " ".join(body.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 3] + "..."


class PanelError(Exception):
    """Base of every panel client error."""

    def __init__(self, message: str, *, action: str, http_status: int | None = None) -> None:
        self.action = action
        self.http_status = http_status
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        where = f"panel action {self.action!r}"
        if self.http_status is not None:
            where += f" (HTTP {self.http_status})"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(action={self.action!r}, "
            f"http_status={self.http_status!r}, message={self.message!r})"
        )


class PanelRejected(PanelError):
    """The panel answered with an error; ``.message`` is its text exactly."""


class PanelAuthError(PanelRejected):
    """The panel does not accept the API key."""


class PanelInsufficientFunds(PanelRejected):
    """The panel account has not enough balance for the order."""


class PanelNotSent(PanelError):
    """The request never reached the panel (refused, DNS, connect timeout): safe to retry."""


class PanelRateLimited(PanelNotSent):
    """HTTP 429: the panel refused to process the request; retry after ``retry_after`` s."""

    def __init__(
        self,
        message: str,
        *,
        action: str,
        http_status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, action=action, http_status=http_status)
        self.retry_after = retry_after


class PanelOutcomeUnknown(PanelError):
    """The request may have reached the panel but there is no usable answer.

    Read timeouts, dropped connections, 5xx, HTML or garbage instead of JSON. An ``add``
    that ends like this may or may not have created an order: never resend it blindly.
    """
