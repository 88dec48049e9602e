"""Selling at the counter through the real app and a store agent: scan, pay, receipt."""

import pytest
from textual.widgets import DataTable

from tests.processes import ASSOCIATE, MANAGER
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import keys, scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.form import FormDialog
from tui.modals.manager import ManagerApprovalDialog
from tui.modals.payment import Payment
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen
from tui.widgets.scan_input import parse_scan

TEE, MUG, TEA = PRODUCTS


async def open_sell(pilot, app) -> SellScreen:
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, SellScreen))
    return app.screen


class TestScanning:
    def test_a_quantity_prefix_and_scanner_noise_are_understood(self):
        assert parse_scan("3*UI-TEE-M") == (3, "UI-TEE-M")
        assert parse_scan("\x022000000000718\r") == (1, "2000000000718")
        assert parse_scan("2 x 2000000000718") == (2, "2000000000718")

    async def test_scanned_barcodes_and_typed_skus_become_lines_with_a_total(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, TEE["gtin"])
            await scan(pilot, f"2*{MUG['sku']}")
            await scan(pilot, TEE["gtin"])
            await until(pilot, lambda: sum(line["qty"] for line in sell.lines) == 4)
            assert {line["sku"]: line["qty"] for line in sell.lines} == {TEE["sku"]: 2, MUG["sku"]: 2}
            assert sell.query_one(DataTable).row_count == 2
            assert "€63.96" in text_of(app, "#total")

    async def test_the_arrows_choose_a_line_from_the_scan_field_and_f8_removes_it(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            for product in (TEE, MUG, TEA):
                await scan(pilot, product["gtin"])
                await until(pilot, lambda p=product: sell.lines and sell.lines[-1]["sku"] == p["sku"])
            table = sell.query_one(DataTable)
            assert table.cursor_row == 2  # the line just scanned
            await pilot.press("f8")  # scanned one too many
            await until(pilot, lambda: [line["sku"] for line in sell.lines] == [TEE["sku"], MUG["sku"]])
            await pilot.press("up")
            await pilot.press("f8")
            await until(pilot, lambda: [line["sku"] for line in sell.lines] == [MUG["sku"]])
            assert "Removed" in text_of(app, "#message") and "€11.99" in text_of(app, "#total")
            assert app.focused is sell.query_one("#scan")  # the scanner can go on at once

    async def test_an_unknown_code_says_so_and_the_sale_goes_on(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, "9999999999999")
            await until(pilot, lambda: "No product" in text_of(app, "#message"))
            await scan(pilot, TEA["gtin"])
            await until(pilot, lambda: len(sell.lines) == 1)


class TestPaying:
    @pytest.mark.slow
    async def test_a_cash_sale_is_recorded_once_with_its_change_and_stock_goes_down(self, shop):
        before = shop.on_hand(TEA["sku"])
        app = StoreApp(EdgeClient(shop.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, f"2*{TEA['gtin']}")
            await until(pilot, lambda: len(sell.lines) == 1)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, Payment))
            cash = app.screen.query_one("#cash")
            cash.value = ""
            await keys(pilot, "20", "<enter>")
            await until(pilot, lambda: "Receipt" in text_of(app, "#message"))
            message = text_of(app, "#message")
            assert "€13.98 paid" in message and "change due €6.02" in message
            receipt_number = message.split()[1].rstrip(":")
        assert shop.on_hand(TEA["sku"]) == before - 2
        sale = shop.api.get(f"/v1/sales/{receipt_number}").json()
        assert sale["total"] == 1398 and sale["change_due"] == 602

    async def test_a_terminal_reference_is_scanned_after_the_card_key(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, TEA["gtin"])
            await until(pilot, lambda: len(sell.lines) == 1)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, Payment))
            await pilot.press("f2")
            await scan(pilot, "AUTH123")
            await until(pilot, lambda: isinstance(app.screen, SellScreen) and "Receipt" in text_of(app, "#message"))
            receipt_number = text_of(app, "#message").split()[1].rstrip(":")
        assert store.api.get(f"/v1/sales/{receipt_number}").json()["tenders"] == [
            {"type": "card", "amount": 699, "reference": "AUTH123", "refunded": 0}]

    async def test_a_split_is_explicit_card_then_the_rest_in_cash(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, MUG["gtin"])
            await until(pilot, lambda: len(sell.lines) == 1)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, Payment))
            await pilot.click("#card")
            await keys(pilot, "5")
            await until(pilot, lambda: app.screen.query_one("#cash").value == "6.99")
            assert "card €5.00 + cash €6.99" in text_of(app, "#change")
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, SellScreen) and "Receipt" in text_of(app, "#message"))
            receipt_number = text_of(app, "#message").split()[1].rstrip(":")
        sale = store.api.get(f"/v1/sales/{receipt_number}").json()
        assert [(t["type"], t["amount"]) for t in sale["tenders"]] == [("card", 500), ("cash", 699)]
        assert sale["change_due"] == 0

    async def test_cash_typed_beside_a_card_for_the_whole_total_is_refused_on_the_screen(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            await scan(pilot, MUG["gtin"])
            await until(pilot, lambda: len(sell.lines) == 1)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, Payment))
            await pilot.press("f2")
            await pilot.click("#cash")
            await keys(pilot, "20", "<f10>")
            await until(pilot, lambda: "clear the cash" in text_of(app, "#error"))
            assert isinstance(app.screen, Payment)

    @pytest.mark.slow
    async def test_a_sale_during_a_nats_outage_is_recorded_at_once(self, shop, nats_server):
        app = StoreApp(EdgeClient(shop.url))
        async with app.run_test(size=(80, 24)) as pilot:
            sell = await open_sell(pilot, app)
            nats_server.stop()
            try:
                await until(pilot, lambda: app.link_state == "offline")
                await scan(pilot, TEE["gtin"])
                await until(pilot, lambda: len(sell.lines) == 1)
                await pilot.press("f10")
                await until(pilot, lambda: isinstance(app.screen, Payment))
                await pilot.press("f10")
                await until(pilot, lambda: "Receipt" in text_of(app, "#message"))
                await until(pilot, lambda: "to sync" in text_of(app, "#backlog"))
            finally:
                nats_server.start()
            await until(pilot, lambda: app.link_state == "online" and text_of(app, "#backlog") == "")


class TestTheManagerBeforeTheMoney:
    async def override(self, pilot, app, sell):
        await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: len(sell.lines) == 1)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, "9.00", "<enter>", "chipped rim", "<enter>")
        # Asked when the line changes, in an associate's words, before any payment.
        await until(pilot, lambda: isinstance(app.screen, ManagerApprovalDialog))
        assert "A manager must approve this price" in text_of(app, "#why")
        assert "manager\"" not in text_of(app, "#why") and "price_override" not in text_of(app, "#why")

    async def test_a_price_override_asks_the_manager_when_changed_and_the_receipt_carries_it(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(100, 30)) as pilot:
            sell = await open_sell(pilot, app)
            await self.override(pilot, app, sell)
            await keys(pilot, MANAGER["id"], "<enter>", MANAGER["pin"], "<enter>")
            await until(pilot, lambda: isinstance(app.screen, SellScreen) and sell.approval is not None)
            await pilot.press("f10")
            await until(pilot, lambda: isinstance(app.screen, Payment))
            await pilot.press("f2")
            await pilot.press("enter")  # the card is charged: nothing may be refused now
            await until(pilot, lambda: "Receipt" in text_of(app, "#message"))
            receipt_number = text_of(app, "#message").split()[1].rstrip(":")
        sale = store.api.get(f"/v1/sales/{receipt_number}").json()
        assert sale["total"] == 900 and sale["lines"][0]["unit_price"] == 900 and sale["approved_by"] == MANAGER["id"]

    async def test_a_refused_override_keeps_the_catalog_price(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(100, 30)) as pilot:
            sell = await open_sell(pilot, app)
            await self.override(pilot, app, sell)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, SellScreen) and "did not approve" in
                        text_of(app, "#message"))
            assert sell.lines[0]["price"] == MUG["price"]

    async def test_units_promised_to_an_order_ask_for_the_manager_when_scanned(self, store):
        store.set_reserved(TEA["sku"], store.on_hand(TEA["sku"]))
        try:
            app = StoreApp(EdgeClient(store.url))
            async with app.run_test(size=(100, 30)) as pilot:
                sell = await open_sell(pilot, app)
                await scan(pilot, TEA["gtin"])
                await until(pilot, lambda: isinstance(app.screen, ManagerApprovalDialog))
                assert "promised to online orders" in text_of(app, "#why")
                await pilot.press("escape")
                await until(pilot, lambda: "Not added" in text_of(app, "#message"))
                assert sell.lines == []
        finally:
            store.set_reserved(TEA["sku"], 0)
