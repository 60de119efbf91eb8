"""All FSM states, one StatesGroup per dialog."""

from aiogram.fsm.state import State, StatesGroup


class SearchDialog(StatesGroup):
    query = State()


class OrderDialog(StatesGroup):
    """The order dialog; which steps a service needs depends on its type."""

    link = State()
    quantity = State()
    comments = State()
    usernames = State()
    hashtags = State()
    hashtag = State()
    username = State()
    profile = State()
    media = State()
    answer_number = State()
    groups = State()
    runs = State()
    interval = State()
    sub_username = State()
    sub_min = State()
    sub_max = State()
    sub_posts = State()
    sub_delay = State()
    sub_expiry = State()
    confirm = State()


class AdminDialog(StatesGroup):
    unknown_panel_id = State()


class TopupDialog(StatesGroup):
    amount = State()  # "Other amount": waiting for the customer to type one


class SupportDialog(StatesGroup):
    message = State()  # waiting for the one message to pass to the operators


class MassOrderDialog(StatesGroup):
    lines = State()  # waiting for the list (again, to fix it, after a summary)
