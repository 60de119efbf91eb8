"""Field types for callback data: a user can send any callback_data they like, so numbers are
bounded where they are read. A value out of range makes the button match no handler (the
fallback handler answers it) instead of reaching SQLite, which cannot hold an integer over
2**63 - 1 (OverflowError), or a page counter far past the end."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

SQLITE_MAX_INT = 2**63 - 1

RowId = Annotated[int, Field(ge=0, le=SQLITE_MAX_INT)]
"""Our order id, a Telegram user id, a category id (0 = none)."""

PageNo = Annotated[int, Field(ge=0, le=1_000_000)]
"""A page of a list."""

Count = Annotated[int, Field(ge=0, le=SQLITE_MAX_INT)]
"""A quantity on a button; checked against the service's limits when pressed."""

Minutes = Annotated[int, Field(ge=0, le=1_000_000)]
