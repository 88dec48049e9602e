"""A surprise inside any working screen's worker is shown on that screen, logged with its traceback, and the screen
goes on working: the failure is injected into the one call each screen's work starts with."""

import logging

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen

TEE, MUG, TEA = PRODUCTS
SURPRISE = "injected surprise"


def fail_once(client: EdgeClient, method: str) -> None:
    real = getattr(client, method)

    async def failing(*args, **kwargs):
        setattr(client, method, real)
        raise RuntimeError(SURPRISE)
    setattr(client, method, failing)


def says_it_went_wrong(app) -> bool:
    line = app.screen.query("#message")
    return bool(line) and "Something went wrong" in str(line.first().render()) and SURPRISE in str(
        line.first().render())


def on_screen(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static")) + " ".join(
        str(cell) for table in app.screen.query("DataTable") for row in range(table.row_count)
        for cell in table.get_row_at(row))


# screen, the call its work starts with, what starts it (None: opening the screen), then what shows it works again
SCREENS = [
    ("sell", "find_product", TEA["gtin"], ("scan", TEA["gtin"], TEA["name"])),
    ("stock", "search_products", MUG["gtin"], ("scan", MUG["gtin"], MUG["name"])),
    ("returns", "sale", "S005-000001", ("key", "f7", "No receipt")),
    ("pickups", "fulfilments", None, ("key", "f9", "Nothing waiting")),
    ("shipments", "fulfilments", None, ("key", "f9", "Nothing waiting")),
    ("reprint", "print_jobs", None, ("scan", "", "Nothing printed")),
    ("printers", "printers", None, ("key", "f5", "receipt")),
]


async def test_a_surprise_in_any_screen_is_shown_logged_and_survived(store, caplog):
    caplog.set_level(logging.ERROR, logger="tui")
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        fail_once(app.client, "open_tasks")
        await pilot.press("f5")
        await until(pilot, lambda: says_it_went_wrong(app))
        await pilot.press("f5")
        await until(pilot, lambda: "Open work" in text_of(app, "#work") and "…" not in text_of(app, "#work"))
        for name, method, trigger, (how, what, shown) in SCREENS:
            fail_once(app.client, method)
            app.open_screen(name)
            await until(pilot, lambda n=name: type(app.screen).__name__.lower().startswith(n[:5]))
            if trigger is not None:
                await scan(pilot, trigger)
            await until(pilot, lambda: says_it_went_wrong(app))
            if how == "scan":
                await scan(pilot, what)
            else:
                await pilot.press(what)
            await until(pilot, lambda s=shown: s in on_screen(app))  # worked again after the surprise
    logged = [r for r in caplog.records if r.exc_info and SURPRISE in str(r.exc_info[1])]
    assert len(logged) == 1 + len(SCREENS)
    assert all(r.exc_info[2] is not None for r in logged)  # with the traceback
