from bot.db.database import Database

__all__ = ["Database"]
