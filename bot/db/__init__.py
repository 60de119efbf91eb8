from bot.db.database import Database, DatabaseUnavailable

__all__ = ["Database", "DatabaseUnavailable"]
