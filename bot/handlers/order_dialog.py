from aiogram import Router

router = Router(name="order_dialog")
