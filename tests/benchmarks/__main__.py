"""Every benchmark, one table: `python -m tests.benchmarks [--quick]` from the repository root.

Each figure is printed with its goal and its ratio to a baseline measured in the same run:
a bare aiogram echo bot fed the same updates (per-update cost, memory), the latency bound of
a poll cycle (batches x panel time / requests in flight), a naive poller (one request and one
transaction per order), Telegram's 30 messages/s. The catalog figures are taken at 10,000
and 50,000 services. `--quick` takes fewer samples (a few minutes instead of ~10); the
figures are noisier but the goals still apply. Not part of the test suite (files bench_*.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
Row = tuple[str, str, str, str]  # figure, value, goal, ratio to the baseline


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


async def catalog_rows(services: int, updates: int) -> list[Row]:
    from tests.benchmarks.bench_updates import measure

    f = await measure(services, updates)
    k = f"{services // 1000}k"
    rows: list[Row] = [
        (f"catalog sync, {k} services", f"{f['sync_s']:.1f} s", "–", "–"),
        (f"longest event-loop stall during the sync, {k}", _ms(f["sync_stall_ms"]), "≤ 50 ms",
         "–"),
    ]  # fmt: skip
    for name in ("/start", "category list", "category page", "search"):
        u = f[name]
        rows.append(
            (f"{name}: cost per update (mean), {k}", _ms(u["mean"]), "≤ 5× echo",
             f"{u['mean'] / u['echo_mean']:.1f}× echo ({_ms(u['echo_mean'])})")
        )  # fmt: skip
        if name != "/start":
            rows.append((f"{name}: p95, whole handler, {k}", _ms(u["p95"]), "≤ 20 ms", "–"))
    rows.append((f"updates failed, {k}", str(f["failed_updates"]), "0", "–"))
    return rows


async def burst_rows(users: int) -> list[Row]:
    from tests.benchmarks.bench_burst import one_run

    r = await one_run(users)
    return [
        (f"burst of {users} first-time users: answered", f"{r['answered']:.0f}", f"{users}",
         f"{r['answered'] / users:.0%}"),
        ("burst: failed updates / p95 answer", f"{r['failed']:.0f} / {r['p95']:.0f} ms", "0",
         "–"),
    ]  # fmt: skip


async def poller_rows(orders: int, cycles: int, sample: int) -> list[Row]:
    from tests.benchmarks.bench_poller import half_changing

    f = await half_changing(orders, cycles, sample)
    plain = await half_changing(orders, cycles, sample, refunds=False)
    return [
        (f"poll cycle, {orders} open orders, half changing (¼ with refunds), panel 50 ms",
         f"{f['cycle']:.2f} s", "≤ 1.5× bound",
         f"{f['cycle'] / f['bound']:.2f}× bound ({f['bound']:.2f} s)"),
        ("poll cycle, half changing, no refunds", f"{plain['cycle']:.2f} s", "≤ 1.5× bound",
         f"{plain['cycle'] / plain['bound']:.2f}× bound"),
        ("naive poller (one request + transaction per order)", f"{f['naive']:.0f} s", "–",
         f"ours {f['naive'] / f['cycle']:.0f}× faster"),
    ]  # fmt: skip


async def sender_rows(messages: int) -> list[Row]:
    from tests.benchmarks.bench_sender import main as sender_main

    f = await sender_main(messages)
    return [
        (f"sender, {messages} messages: rate", f"{f['rate']:.1f} msg/s", "≥ 28.5 (95%)",
         f"{f['rate'] / 30:.1%} of 30/s"),
        ("sender: 429 answers (limit-enforcing fake)", f"{f['rejected_429']:.0f}", "0", "–"),
        ("sender: order notification behind a broadcast", f"{f['urgent_wait']:.2f} s", "–", "–"),
    ]  # fmt: skip


def rss_rows() -> list[Row]:
    def rss(which: str) -> float:
        out = subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.bench_rss", which],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            text=True, check=True, timeout=900,
        )  # fmt: skip
        return float(out.stdout.strip().splitlines()[-1])

    echo, bot = rss("echo"), rss("bot")
    return [
        ("RSS: 10k services, 100k orders, 10k users, polling", f"{bot:.0f} MB",
         "≤ echo + 25 MB", f"echo {echo:.0f} MB, +{bot - echo:.0f} MB"),
    ]  # fmt: skip


def print_table(rows: list[Row]) -> None:
    print("| figure | value | goal | vs baseline |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


async def main(quick: bool) -> None:
    logging.basicConfig(level=logging.ERROR)
    for name in ("bot", "aiogram", "tests.fakes", "tests.harness"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    started = time.perf_counter()
    rows: list[Row] = []
    steps: list[tuple[str, Any]] = [
        ("catalog 10k", lambda: catalog_rows(10_000, 60 if quick else 300)),
        ("catalog 50k", lambda: catalog_rows(50_000, 60 if quick else 300)),
        ("burst", lambda: burst_rows(300 if quick else 1000)),
        ("poller", lambda: poller_rows(10_000, 1 if quick else 3, 100 if quick else 200)),
        ("sender", lambda: sender_rows(300 if quick else 1000)),
    ]
    for name, step in steps:
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            rows += await step()
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            logging.getLogger(__name__).exception("benchmark %s failed", name)
            rows.append((f"{name}: FAILED", type(exc).__name__, "–", "–"))
    print("… memory", file=sys.stderr, flush=True)
    try:
        rows += rss_rows()
    except Exception as exc:
        rows.append(("memory: FAILED", type(exc).__name__, "–", "–"))
    print_table(rows)
    print(f"\n({'quick' if quick else 'full'} run, {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main("--quick" in sys.argv[1:]))
