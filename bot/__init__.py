"""Telegram storefront for SMM panels."""
