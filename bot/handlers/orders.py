from aiogram import Router

router = Router(name="orders")
