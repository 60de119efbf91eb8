from bot.db.base import IntegrityError, Queryable, Row, Tx
from bot.db.database import Database, DatabaseUnavailable

__all__ = ["Database", "DatabaseUnavailable", "IntegrityError", "Queryable", "Row", "Tx"]
