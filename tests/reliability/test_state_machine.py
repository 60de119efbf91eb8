"""A hypothesis stateful test of the wallet and the order status machine on a real SQLite
file, with the real services: operators credit and debit (`accounts.adjust_balance`, repeats
included), customers place orders through `placing.place_order` and the real PanelClient
against the fake panel (which accepts, rejects, is not reached, or drops the answer), the
panel's statuses arrive through `status.apply_panel_status` (repeats, unknown statuses and
odd `remains` included), operators refund and resolve `unknown` orders.

A plain model next to it says what each step must do to the money; after every step the
database must agree with it, and: balance == sum(ledger) >= 0 per user, ledger refs unique,
0 <= refunded <= charge and refunded == the order's refund rows, a settled order never
reopens, at most one refund row per step.

asyncio and hypothesis: one `asyncio.Runner` for the whole test (the fake panel and the
client live in it); every example gets its own copy of a prepared database file.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.config import Settings
from bot.db import Database
from bot.panel import OrderState, OrderStatus, PanelClient
from bot.services import accounts, catalog
from bot.services.orders import placing, status
from bot.services.orders.placing import Draft
from tests.conftest import ADMIN_CHAT, TEST_KEY, TEST_TOKEN, add_user, make_notices
from tests.fakes.panel import FakePanel, Fault

USERS = (3001, 3002)
ADMIN = 9
LIKES = "2"  # IG Likes at the fake panel: min 50, max 50000
NOTICES = make_notices(ADMIN_CHAT, admin_lang="en")
FINAL = status.FINAL_STATUSES
MAX_EXAMPLES = 100
STEPS = 50

ANSWERS = ("placed", "rejected", "not_sent", "unknown")
PROGRESS = (
    OrderState.PENDING,
    OrderState.IN_PROGRESS,
    OrderState.PROCESSING,
    None,  # a status the bot does not know: numbers only
)
MONEY_BACK = (OrderState.PARTIAL, OrderState.CANCELED, OrderState.REFUNDED)
OTHER = (OrderState.COMPLETED, OrderState.FAILED)
PANEL_STATES = (*PROGRESS, *MONEY_BACK, *OTHER)


@dataclass
class Order:
    id: int
    user: int
    charge: int
    quantity: int
    status: str
    refunded: int = 0
    panel_id: str | None = None


@dataclass
class World:
    """What lives for the whole test: the loop, the fake panel, the prepared database."""

    runner: asyncio.Runner
    panel: FakePanel
    client: PanelClient
    settings: Settings
    template: Path
    workdir: Path
    runs: Counter[str]


class WalletAndOrders(RuleBasedStateMachine):
    world: World  # set by the test before the machine runs
    _paths = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        w.runs["examples"] += 1
        self.path = w.workdir / f"case-{next(self._paths)}.sqlite3"
        shutil.copyfile(w.template, self.path)
        self.db = Database(self.path)
        self.run(self.db.connect())
        self.balances = dict.fromkeys(USERS, 0)
        self.orders: dict[int, Order] = {}
        self.credit_refs: list[tuple[str, int, int]] = []
        self.refs = itertools.count()
        self.last_ledger_id = 0
        self.ever_final: set[int] = set()

    def run(self, coro: Any) -> Any:
        return self.world.runner.run(coro)

    def teardown(self) -> None:
        # a restart now finds nothing `submitting`: every placement above ended
        self.step("recover_submitting")
        assert self.run(placing.recover_submitting(self.db, NOTICES)) == 0
        self.run(self.db.close())
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def step(self, name: str) -> None:
        self.world.runs["steps"] += 1
        self.world.runs[name] += 1

    # ----------------------------------------------------------------- money in and out

    @initialize(
        user=st.sampled_from(USERS),
        amount=st.integers(1, 5_000_000),
        quantity=st.integers(50, 50_000),
    )
    def first_order(self, user: int, amount: int, quantity: int) -> None:
        """Money on a wallet and one order placed (if it pays): the panel has something to
        talk about from the first step on."""
        self.credit(user, amount)
        self.place(user, quantity, "placed")

    @rule(
        kind=st.sampled_from(("credit", "debit", "repeat")),
        user=st.sampled_from(USERS),
        amount=st.integers(1, 4_000_000),
        data=st.data(),
    )
    def money(self, kind: str, user: int, amount: int, data: st.DataObject) -> None:
        """An operator credits or debits; or a credit arrives again (same ref): nothing moves."""
        if kind == "credit":
            self.credit(user, amount)
        elif kind == "debit":
            self.debit(user, amount)
        elif self.credit_refs:
            self.step("repeat_credit")
            ref, user, amount = data.draw(st.sampled_from(self.credit_refs))
            result = self.run(
                accounts.adjust_balance(self.db, ADMIN, user, amount, kind="credit", ref=ref)
            )
            assert result.outcome == "duplicate"

    def credit(self, user: int, amount: int) -> None:
        self.step("credit")
        ref = f"admin:credit:{next(self.refs)}"
        result = self.run(
            accounts.adjust_balance(self.db, ADMIN, user, amount, kind="credit", ref=ref)
        )
        assert result.outcome == "applied"
        self.balances[user] += amount
        assert result.balance == self.balances[user]
        self.credit_refs.append((ref, user, amount))

    def debit(self, user: int, amount: int) -> None:
        self.step("debit")
        ref = f"admin:debit:{next(self.refs)}"
        result = self.run(
            accounts.adjust_balance(self.db, ADMIN, user, amount, kind="debit", ref=ref)
        )
        if amount > self.balances[user]:
            assert result.outcome == "insufficient"
        else:
            assert result.outcome == "applied"
            self.balances[user] -= amount

    # ----------------------------------------------------------------- placing

    @rule(
        user=st.sampled_from(USERS),
        quantity=st.integers(50, 50_000),
        answer=st.sampled_from(("placed", *ANSWERS)),
    )
    def place(self, user: int, quantity: int, answer: str) -> None:
        self.step(f"place:{answer}")
        panel = self.world.panel
        known = set(panel.orders)
        if answer == "rejected":
            panel.services[1]["max"] = 10  # the panel refuses any quantity now
        elif answer == "not_sent":
            panel.fail(Fault.RATE_LIMIT, times=2)  # 429 twice: provably never placed
        elif answer == "unknown":
            panel.fail(Fault.DROP, times=1)  # placed, then the answer is lost
        draft = Draft(user, LIKES, {"link": "https://x.example/p", "quantity": quantity}, quantity)
        try:
            result = self.run(
                placing.place_order(
                    self.db, self.world.client, self.world.settings, NOTICES, draft,
                    placing.new_confirm_token(),
                )
            )  # fmt: skip
        finally:
            panel.services[1]["max"] = 50_000
            panel.fail(Fault.NONE, times=None)
        new = sorted(set(panel.orders) - known)
        if result.charge > self.balances[user]:
            assert result.outcome == "insufficient", result
            assert not new
            return
        expected = {"placed": "placed", "rejected": "failed", "not_sent": "failed"}
        assert result.outcome == expected.get(answer, "unknown"), (answer, result)
        assert result.order_id is not None
        order = Order(result.order_id, user, result.charge, quantity, "submitting")
        self.orders[order.id] = order
        self.balances[user] -= order.charge
        if answer == "placed":
            assert result.panel_order_id == new[0]
            order.status, order.panel_id = "pending", new[0]
        elif answer == "unknown":
            assert len(new) == 1  # the panel has it; the bot must not guess
            order.status = "unknown"
        else:
            assert not new
            order.status, order.refunded = "failed", order.charge
            self.balances[user] += order.charge

    # ----------------------------------------------------------------- the panel's word

    def _with_panel_id(self) -> list[int]:
        return sorted(o.id for o in self.orders.values() if o.panel_id is not None)

    # Three rules over the panel's statuses (in progress, money back, the rest): rules are
    # drawn evenly, so this gives the panel's word its share of the steps.
    @precondition(lambda self: self._with_panel_id())
    @rule(data=st.data(), state=st.sampled_from(PROGRESS), repeat=st.booleans())
    def panel_progress(self, data: st.DataObject, state: OrderState | None, repeat: bool) -> None:
        self.panel_status(data, state, None, repeat)

    @precondition(lambda self: self._with_panel_id())
    @rule(
        data=st.data(),
        state=st.sampled_from(MONEY_BACK),
        remains=st.one_of(st.none(), st.integers(-5, 60_000)),
        repeat=st.booleans(),
    )
    def panel_money_back(
        self, data: st.DataObject, state: OrderState, remains: int | None, repeat: bool
    ) -> None:
        self.panel_status(data, state, remains, repeat)

    @precondition(lambda self: self._with_panel_id())
    @rule(data=st.data(), state=st.sampled_from(OTHER), repeat=st.booleans())
    def panel_other(self, data: st.DataObject, state: OrderState, repeat: bool) -> None:
        self.panel_status(data, state, 0, repeat)

    def panel_status(
        self, data: st.DataObject, state: OrderState | None, remains: int | None, repeat: bool
    ) -> None:
        order = self.orders[data.draw(st.sampled_from(self._with_panel_id()))]
        self.step(f"status:{state.value if state else 'unknown-to-us'}")
        answer = OrderStatus(
            status=state, raw_status=state.value if state else "Weird", remains=remains
        )
        for attempt in range(2 if repeat else 1):  # a repeated poll changes nothing more
            applied = self.run(self._apply(order.id, answer))
            if attempt:
                assert (applied.changed, applied.refunded) == (False, 0)
        old = order.status
        new = old if state is None else status.PANEL_STATUS_BY_STATE[state]
        if new == old or old in FINAL:
            return
        target = order.refunded
        if new == "partial" and remains is not None and remains > 0:
            target = max(target, order.charge * min(remains, order.quantity) // order.quantity)
        elif new in ("canceled", "refunded"):
            target = order.charge
        self.balances[order.user] += target - order.refunded
        order.refunded, order.status = target, new

    async def _apply(self, order_id: int, answer: OrderStatus) -> status.Applied:
        async with self.db.transaction() as conn:
            return await status.apply_panel_status(
                conn, NOTICES, order_id, answer, currency=catalog.DEFAULT_CURRENCY
            )

    # ----------------------------------------------------------------- operators

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def operator_refund(self, data: st.DataObject) -> None:
        self.step("operator_refund")
        order = self.orders[data.draw(st.sampled_from(sorted(self.orders)))]
        outcome, amount = self.run(status.operator_refund(self.db, ADMIN, order.id))
        left = order.charge - order.refunded
        if left > 0:
            assert (outcome, amount) == ("refunded", left)
            order.refunded, order.status = order.charge, "refunded"
            self.balances[order.user] += left
        else:
            assert (outcome, amount) == ("already", 0)

    def _unknown(self) -> list[int]:
        return sorted(o.id for o in self.orders.values() if o.status == "unknown")

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), placed=st.booleans(), steal=st.booleans())
    def resolve(self, data: st.DataObject, placed: bool, steal: bool) -> None:
        """An operator says the panel has the order (with its id) or never got it; on an
        order that is not `unknown` (any more) it changes nothing."""
        pick = self._unknown() if data.draw(st.booleans()) and self._unknown() else None
        order = self.orders[data.draw(st.sampled_from(pick or sorted(self.orders)))]
        self.step("resolve_placed" if placed else "resolve_not_placed")
        if placed:
            others = [o for o in self.orders.values() if o.panel_id and o.id != order.id]
            taken = steal and others
            panel_id = others[0].panel_id if taken else f"9{order.id}"
            assert panel_id is not None
            outcome, other = self.run(status.resolve_placed(self.db, ADMIN, order.id, panel_id))
            if order.status != "unknown":
                assert outcome == "not_unknown"
            elif taken:
                assert (outcome, other) == ("taken", others[0].id)
            else:
                assert outcome == "done"
                order.status, order.panel_id = "pending", panel_id
            return
        outcome, amount = self.run(status.resolve_not_placed(self.db, ADMIN, order.id))
        if order.status != "unknown":
            assert (outcome, amount) == ("not_unknown", 0)
            return
        assert (outcome, amount) == ("done", order.charge - order.refunded)
        self.balances[order.user] += order.charge - order.refunded
        order.status, order.refunded = "failed", order.charge

    # ----------------------------------------------------------------- invariants

    @invariant()
    def money_and_orders_agree(self) -> None:
        users = self.run(self.db.fetchall("SELECT id, balance FROM users"))
        sums = self.run(
            self.db.fetchall("SELECT user_id, sum(amount) AS s FROM ledger GROUP BY user_id")
        )
        total = {int(r["user_id"]): int(r["s"]) for r in sums}
        for row in users:
            user = int(row["id"])
            assert int(row["balance"]) == total.get(user, 0) == self.balances[user] >= 0
        (count, distinct) = self.run(
            self.db.fetchone("SELECT count(*), count(DISTINCT ref) FROM ledger")
        )
        assert count == distinct
        rows = self.run(
            self.db.fetchall(
                "SELECT o.id, o.status, o.charge, o.refunded,"
                " (SELECT coalesce(sum(amount), 0) FROM ledger l"
                "  WHERE l.order_id = o.id AND l.kind = 'refund') AS back"
                " FROM orders o"
            )
        )
        assert len(rows) == len(self.orders)
        for row in rows:
            order = self.orders[int(row["id"])]
            assert (row["status"], row["charge"], row["refunded"]) == (
                order.status, order.charge, order.refunded
            ), (dict(row), order)  # fmt: skip
            assert 0 <= row["refunded"] == row["back"] <= row["charge"]
            if order.id in self.ever_final:
                assert row["status"] in FINAL, "a settled order reopened"
            if row["status"] in FINAL:
                self.ever_final.add(order.id)

    @invariant()
    def at_most_one_refund_per_step(self) -> None:
        new = self.run(
            self.db.fetchall(
                "SELECT id, kind FROM ledger WHERE id > ? ORDER BY id", (self.last_ledger_id,)
            )
        )
        assert sum(1 for r in new if r["kind"] == "refund") <= 1, [dict(r) for r in new]
        if new:
            self.last_ledger_id = int(new[-1]["id"])


async def _prepare(path: Path, client: PanelClient) -> None:
    db = Database(path)
    await db.connect()
    try:
        for user in USERS:
            await add_user(db, user)
        await catalog.sync(db, client)
    finally:
        await db.close()


def test_wallet_and_order_state_machine(tmp_path: Path) -> None:
    with asyncio.Runner() as runner:
        panel = FakePanel(key=TEST_KEY)
        runner.run(panel.start())
        panel.retry_after = None  # a 429 without Retry-After: "not sent" without waiting
        client = PanelClient(panel.url, TEST_KEY, connect_timeout=1, read_timeout=2, backoff=0)
        template = tmp_path / "template.sqlite3"
        runs: Counter[str] = Counter()
        try:
            runner.run(_prepare(template, client))
            shop = Settings(
                bot_token=TEST_TOKEN,
                panel_api_url="http://127.0.0.1:9",
                panel_api_key=TEST_KEY,
                admin_chat_id=ADMIN_CHAT,
                database_path=tmp_path / "unused.sqlite3",
            )
            WalletAndOrders.world = World(
                runner=runner,
                panel=panel,
                client=client,
                settings=shop,
                template=template,
                workdir=tmp_path,
                runs=runs,
            )
            run_state_machine_as_test(
                WalletAndOrders,
                settings=settings(
                    max_examples=MAX_EXAMPLES,
                    stateful_step_count=STEPS,
                    deadline=None,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow],
                ),
            )
        finally:
            runner.run(client.close())
            runner.run(panel.stop())
    print(f"\nstate machine: {dict(sorted(runs.items()))}")
    # the run reached every kind of step, so a green result means something
    for kind in (
        "credit", "debit", "repeat_credit", "operator_refund", "resolve_placed",
        "resolve_not_placed", "recover_submitting",
        *(f"place:{a}" for a in ANSWERS),
        *(f"status:{s.value}" for s in PANEL_STATES if s is not None),
    ):  # fmt: skip
        assert runs[kind] > 0, (kind, runs)
