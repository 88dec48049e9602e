"""Reprint and printers through the real app: a sale's receipt printed again, a test page, the end of day."""

from textual.widgets import DataTable

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, until
from tests.waiting import poll
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.printing import PrintersScreen, ReprintScreen

TEE, MUG, TEA = PRODUCTS


def previews(store, pattern: str) -> list:
    return sorted(store.prints.rglob(pattern)) if store.prints.exists() else []


async def test_a_receipt_is_printed_again_by_its_number(store):
    answer = store.api.post("/v1/sales", json={"lines": [{"sku": TEA["sku"], "qty": 1}],
                                              "tenders": [{"type": "cash", "amount": 1000}]})
    receipt = answer.json()["receipt_number"]
    poll(lambda: any(receipt in p.read_text(errors="ignore") for p in previews(store, "*.txt")),
         what="the sale's receipt is printed (previewed)")
    before = len(previews(store, "*.txt"))
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ReprintScreen))
        await scan(pilot, receipt)
        await until(pilot, lambda: any(job["ref"] == receipt for job in app.screen.jobs))
        await pilot.press("f10")
        await until(pilot, lambda: "again" in text_of(app, "#message"))
    poll(lambda: len(previews(store, "*.txt")) > before, what="the copy is printed")


async def test_the_printers_screen_shows_state_and_prints_a_test_page(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, PrintersScreen) and app.screen.printers)
        assert app.screen.query_one(DataTable).row_count == len(app.screen.printers)
        await pilot.press("f3")
        await until(pilot, lambda: "Test page queued" in text_of(app, "#message") or "error" in
                    app.screen.query_one("#message").classes)
        assert "Test page queued" in text_of(app, "#message"), text_of(app, "#message")
        await pilot.press("f8")
        await until(pilot, lambda: "End-of-day" in text_of(app, "#message"))
