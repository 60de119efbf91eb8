"""Rendering: pure functions from data to the text of a screen.

A handler reads the update, calls a service, passes what it got to a view and shows the
result (bot/handlers/screen.py). Views call no service, touch no database and know no
router; keyboards live in bot/keyboards/, next to their CallbackData. Every text comes from
the locales through `Translator.get`.
"""
