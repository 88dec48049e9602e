"""The scan field on its own, in a bare app: what a scanner types becomes one Scanned message, cleaned."""

from textual import on
from textual.app import App, ComposeResult

from tests.tui.pilot_helpers import scan
from tui.widgets.scan_input import ScanInput


class ScanningApp(App):
    def __init__(self, clear: bool):
        super().__init__()
        self.clear = clear
        self.scanned: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        yield ScanInput(id="scan", clear=self.clear)

    @on(ScanInput.Scanned, "#scan")
    def remember(self, event: ScanInput.Scanned) -> None:
        self.scanned.append((event.qty, event.code))


async def test_a_scan_posts_its_quantity_and_code_and_empties_the_field():
    app = ScanningApp(clear=True)
    async with app.run_test() as pilot:
        await scan(pilot, "3*UI-TEE-M")
        await scan(pilot, "2000000000718")
        assert app.scanned == [(3, "UI-TEE-M"), (1, "2000000000718")]
        assert app.query_one(ScanInput).value == ""
        assert app.focused is app.query_one(ScanInput)  # ready for the next scan


async def test_a_search_field_keeps_what_was_looked_up_and_an_empty_enter_still_posts():
    app = ScanningApp(clear=False)
    async with app.run_test() as pilot:
        await scan(pilot, "mug")
        assert app.query_one(ScanInput).value == "mug"
        app.query_one(ScanInput).value = ""
        await pilot.press("enter")
        assert app.scanned == [(1, "mug"), (1, "")]
