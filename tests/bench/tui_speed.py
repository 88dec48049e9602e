"""The counter's app next to a bare Textual app with one Input, both headless through Textual's Pilot.

Start: from the app's start to its first input being ready for a badge (the real app: the sign-in screen's
associate field; the bare one: its only Input). Scan: from a scanner's burst and Enter to the line on screen (the
real app asks the store agent, served in this process, for the product; the bare one appends the code to a table).
"""

import asyncio
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

from tests.bench.harness import Result, percentile, time_result
from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS, SHOP, receive_opening_stock
from tests.tui.in_process import InProcessStore
from tests.tui.pilot_helpers import scan, sign_in, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen


class BareCounter(App):
    def compose(self) -> ComposeResult:
        yield Input(id="scan")
        yield DataTable()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_column("code")
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).add_row(event.value)
        event.input.value = ""


async def bare_round(scans: int) -> dict[str, float]:
    app = BareCounter()
    started = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.focused is not None and app.focused.id == "scan", step=0.001)
        ready = time.perf_counter() - started
        table, taken = app.query_one(DataTable), []
        for _ in range(scans):
            before, t = table.row_count, time.perf_counter()
            await scan(pilot, PRODUCTS[0]["gtin"])
            await until(pilot, lambda b=before: table.row_count > b, step=0.001)
            taken.append(time.perf_counter() - t)
    return {"start": ready * 1000, "scan": percentile(taken, 50) * 1000}


async def counter_round(url: str, scans: int) -> dict[str, float]:
    app = StoreApp(EdgeClient(url))
    started = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.focused is not None and app.focused.id == "associate", step=0.001)
        ready = time.perf_counter() - started
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        sell, taken = app.screen, []
        for _ in range(scans):
            before, t = sum(line["qty"] for line in sell.lines), time.perf_counter()
            await scan(pilot, PRODUCTS[0]["gtin"])
            await until(pilot, lambda b=before: sum(line["qty"] for line in sell.lines) > b, step=0.001)
            taken.append(time.perf_counter() - t)
    return {"start": ready * 1000, "scan": percentile(taken, 50) * 1000}


def tui(root: Path, seconds: float, rounds: int) -> list[Result]:
    store = InProcessStore(root, SHOP, "Bench", PRODUCTS).start()
    receive_opening_stock(store.api)
    scans = max(5, int(5 * seconds))
    ours, theirs = [], []
    try:
        for i in range(rounds):
            pair = [(lambda: counter_round(store.url, scans), ours), (lambda: bare_round(scans), theirs)]
            for run, into in (pair if i % 2 == 0 else pair[::-1]):
                into.append(asyncio.run(run()))
    finally:
        store.stop()
    med = {key: (sorted(r[key] for r in ours)[len(ours) // 2], sorted(r[key] for r in theirs)[len(theirs) // 2])
           for key in ("start", "scan")}
    return [time_result("counter app start to sign-in ready", *med["start"], "a bare Textual app with one Input, "
                        "start to ready", unit="ms", at_most=3),
            time_result("counter scan's Enter to the line shown, p50", *med["scan"], "a bare Textual app: Enter to a "
                        "table row, p50", unit="ms", at_most=3)]
