"""A cancelled pickup's units go back on the shelf: the pickups screen keeps the order until F5 says they are,
and the home screen's count of put-backs goes down."""

import hashlib
import json
from datetime import timedelta

from edge.services.commands import CommandInbox
from edge.services.fulfilment import Fulfilments
from edge.store.schema import open_database
from shared.contract.models import FulfilmentStatus
from shared.runtime.clock import utc_now
from shared.runtime.ids import uuid7
from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS, SHOP
from tests.tui.pilot_helpers import sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.fulfilments import PickupsScreen
from tui.screens.home import HomeScreen

TEE = PRODUCTS[0]


def picked_then_cancelled(store) -> str:
    """Central's assign and, after the associate picked it, central's cancel (the pickup moved elsewhere)."""
    db = open_database(store.prints.parent / f"edge-{SHOP}.db")
    allocation_id, now = uuid7(), utc_now()
    try:
        fulfilments = Fulfilments(db)
        inbox = CommandInbox(db, fulfilments)
        commands = [("fulfilment.assign", {
            "allocation_id": allocation_id, "order_id": f"ORD-{allocation_id[-5:]}", "type": "pickup",
            "lines": [{"sku": TEE["sku"], "qty": 1}], "customer": {"name": "Lea Brandt"},
            "pickup_code_hash": hashlib.sha256(b"K7Q2X9").hexdigest(),
            "accept_by": (now + timedelta(hours=1)).isoformat()}),
            ("fulfilment.cancel", {"allocation_id": allocation_id, "order_id": f"ORD-{allocation_id[-5:]}",
                                   "reason": "pickup moved to S001"})]
        for type_, payload in commands:
            with db.write() as conn:
                seq = conn.execute("SELECT COALESCE(MAX(cmd_seq), 0) + 1 FROM commands").fetchone()[0]
                conn.execute("INSERT INTO commands (id, cmd_seq, type, payload, issued_at, received_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (uuid7(), seq, type_, json.dumps(payload),
                                                           now.isoformat(), now.isoformat()))
            inbox.apply_pending(now)
            if type_ == "fulfilment.assign":
                fulfilments.act(allocation_id, FulfilmentStatus.PICKED, ASSOCIATE["id"], now)
    finally:
        db.close()
    return allocation_id


def open_put_backs(store) -> int:
    return len(store.api.get("/v1/tasks", params={"kind": "put_back"}).json()["items"])


async def test_f5_on_a_cancelled_pickup_closes_its_put_back_and_home_counts_one_less(store):
    allocation_id = picked_then_cancelled(store)
    before = open_put_backs(store)
    assert before >= 1
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen)
                    and f"put-backs: {before}" in text_of(app, "#work"))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, PickupsScreen))
        queue = app.screen
        # Cancelled is finished, yet it stays in the list while its units are still to go back.
        await until(pilot, lambda: any(f["allocation_id"] == allocation_id for f in queue.items))
        index = next(i for i, f in enumerate(queue.items) if f["allocation_id"] == allocation_id)
        queue.query_one("#queue").move_cursor(row=index)
        await pilot.pause(0.1)
        await pilot.press("f5")
        await until(pilot, lambda: "back on the shelf" in text_of(app, "#message"))
        assert open_put_backs(store) == before - 1
        await until(pilot, lambda: all(f["allocation_id"] != allocation_id for f in queue.items))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f5")
        await until(pilot, lambda: f"put-backs: {before - 1}" in text_of(app, "#work"))
