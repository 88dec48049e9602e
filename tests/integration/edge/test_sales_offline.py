"""Walk-in sales over a real nats-server: a sale during an outage answers at once and reaches EVENTS
afterwards, once, even when the counter retried it."""

import asyncio
import uuid

from tests.integration.edge.conftest import (
    add_products,
    running_edge,
    store_settings,
    stored_events,
)
from tests.waiting import eventually

STORE = "S002"


async def _all_sent(http, last_seq: int) -> dict | None:
    current = (await http.get("/v1/sync/status")).json()
    return current if current["online"] and current["backlog"] == 0 and current["last_acked_seq"] == last_seq else None


class TestSalesDuringAnOutage:
    async def test_a_sale_while_the_server_hangs_answers_and_is_published_once_afterwards(self, tmp_path, nats_up,
                                                                                          central_nats):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = f"SALE-{uuid.uuid4().hex[:8]}"
        add_products(settings, sku)
        body = {"lines": [{"sku": sku, "qty": 1}], "tenders": [{"type": "cash", "amount": 500}]}
        async with running_edge(settings) as (app, http):
            await eventually(lambda: _all_sent(http, 1), what="opening snapshot sent")
            nats_up.server.freeze()
            try:
                # A generous guard, not a timing claim: a sale that waited on the hung server would never return.
                first = await asyncio.wait_for(http.post("/v1/sales", json=body, headers={"Idempotency-Key": "t1"}),
                                               20)
                retry = await asyncio.wait_for(http.post("/v1/sales", json=body, headers={"Idempotency-Key": "t1"}),
                                               20)
                assert first.status_code == retry.status_code == 201
                assert first.json()["receipt_number"] == retry.json()["receipt_number"] == f"{STORE}-000001"
                assert first.json()["change_due"] == 400
            finally:
                nats_up.server.thaw()
            done = await eventually(lambda: _all_sent(http, 2), timeout=60, what="sale published after the thaw")
        events = await stored_events(central_nats.js, STORE, done["epoch"])
        sales = [e for e, _ in events if e.type == "sale.recorded"]
        assert len(sales) == 1 and sales[0].payload["receipt_number"] == f"{STORE}-000001"
        assert sales[0].payload["stock"] == [{"sku": sku, "on_hand": -1, "reserved": 0, "damaged": 0}]
