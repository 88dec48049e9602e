"""A store database restored from a backup, over a real nats-server: central (played here with its NATS user)
has applied more of the epoch than the restored file ever wrote, so the store opens a new epoch whose first
event is a stock snapshot of what it has now, and carries on in it."""

import logging
import sqlite3
import uuid

from shared.contract import subjects
from shared.contract.events import AppliedWatermark
from tests.integration.edge.conftest import (
    add_products,
    running_edge,
    store_settings,
    stored_events,
)
from tests.waiting import eventually

STORE = "S003"


async def status(http) -> dict:
    return (await http.get("/v1/sync/status")).json()


async def all_sent(http, last_seq: int) -> dict | None:
    current = await status(http)
    return current if current["backlog"] == 0 and current["last_acked_seq"] == last_seq else None


async def receive(http, sku: str) -> None:
    answer = await http.post("/v1/stock/receive", json={"sku": sku, "qty": 1, "reference": "DEL-1"})
    assert answer.status_code == 201, answer.text


def back_up(source, target) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


class TestRestoredDatabase:
    async def test_a_database_older_than_central_knows_opens_a_new_epoch_with_a_snapshot(self, tmp_path, nats_up,
                                                                                       central_nats, caplog):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = f"RST-{uuid.uuid4().hex[:8]}"
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            await receive(http, sku)
            epoch = (await eventually(lambda: all_sent(http, 2), what="first events sent"))["epoch"]
        back_up(settings.db_path, tmp_path / "backup.db")
        async with running_edge(settings) as (app, http):  # the PC goes on: seq 3 and 4 reach central
            await receive(http, sku)
            await receive(http, sku)
            await eventually(lambda: all_sent(http, 4), what="later events sent")
        for suffix in ("-wal", "-shm"):
            settings.db_path.with_name(settings.db_path.name + suffix).unlink(missing_ok=True)
        back_up(tmp_path / "backup.db", settings.db_path)  # ... and is restored from the backup

        caplog.set_level(logging.INFO, logger="edge")
        async with running_edge(settings) as (app, http):
            assert (await status(http))["last_seq"] == 2 and app.state.edge.epoch == epoch
            await eventually(lambda: app.state.edge.online, what="store online")
            # What central has of this epoch, and the numbers the newer copy gave (sales and returns not in this file)
            mark = AppliedWatermark(epoch=epoch, applied_seq=4, numbers={"receipt": 41, "return": 3})
            await central_nats.nc.publish(subjects.applied_ack(STORE), mark.model_dump_json().encode())
            new_epoch = await eventually(lambda: app.state.edge.epoch != epoch and app.state.edge.epoch,
                                         what="a new epoch")
            await receive(http, sku)  # business as usual, in the new epoch
            sale = await http.post("/v1/sales", json={"lines": [{"sku": sku, "qty": 1}],
                                                      "tenders": [{"type": "cash", "amount": 100}]})
            assert sale.json()["receipt_number"] == f"{STORE}-000042"  # never one the newer copy gave
            current = await eventually(lambda: all_sent(http, 3), what="new epoch's events sent")
            assert current["epoch"] == new_epoch and current["applied_seq"] == 0
            stock = (await http.get(f"/v1/stock/{sku}")).json()
            assert stock["on_hand"] == 1  # the restored file's 1, plus the one received since, less the one sold
            with app.state.edge.db.read() as conn:
                kept = conn.execute("SELECT COUNT(*) FROM superseded_events WHERE epoch = ?", (epoch,)).fetchone()[0]
            assert kept == 2
        events = await stored_events(central_nats.js, STORE, new_epoch)
        assert [(e.seq, e.type) for e, _ in events] == [(1, "stock.snapshot"), (2, "stock.received"),
                                                        (3, "sale.recorded")]
        snapshot = events[0][0].payload
        assert (snapshot["chunk"], snapshot["chunks"]) == (1, 1)
        assert [(lv["sku"], lv["on_hand"]) for lv in snapshot["levels"]] == [(sku, 1)]
        loud = [r for r in caplog.records if r.levelno == logging.ERROR and "OLDER THAN WHAT HEAD OFFICE" in r.message]
        assert loud and new_epoch in loud[0].message and epoch in loud[0].message
