"""Head office's KPIs against a day of known orders, hand-counted (docs/reports.md defines each figure).

Central runs in-process without NATS: orders are placed and cancelled through its services at chosen times, the
warehouse ships through its feed, and store S001's events go through ingest exactly as they would from the stream.

The day (D, from 09:00 UTC = T0), prices TEE 1000, MUG 500, CAP 700, HAT 900 (EUR):
  A web  ship TEE×2          T0+0m   DC1 ships it at T0+2h                       completed, cycle 7200 s
  B web  ship TEE+MUG        T0+5m   cancelled by the customer at T0+15m
  C app  pickup S001 TEE     T0+10m  accepted, picked, ready T0+1h, collected T0+3h  cycle 10200 s, wait 7200 s
  D web  pickup S001 MUG×2   T0+20m  accepted, picked, ready T0+1h, expired T0+5h (no-show)
  E web  pickup S001 TEE     T0+30m  S001 rejects it (damaged) at T0+40m: held
  F app  pickup S001 MUG×2   T0+40m  picked one short at T0+50m, ready T0+1h10m, collected T0+1h40m  cycle 3600 s,
                                     wait 1800 s
  G web  ship TEE+CAP        T0+50m  split: TEE at DC1, CAP at DC2 (the only CAP)
  H web  ship HAT            T0+55m  nobody has HAT
Walk-in receipt S001-000001 at T0+1h: TEE×3, card 3000; one TEE back at T0+2h (faulty, damaged) to store credit
S001-C000001. A's customer brings one TEE back to S001 at T0+4h (wrong_size, restock), card refund 1000.
"""

import csv
import io
from datetime import datetime, time, timedelta, timezone

import pytest
from nats.aio.msg import Msg

from central.api.routes.orders import OrderBody
from central.settings import CentralSettings
from shared.contract import subjects
from shared.contract.events import EventEnvelope, Heartbeat
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_orders_api import LONDON, feed

D = (datetime.now(timezone.utc) - timedelta(days=2)).date()
T0 = datetime.combine(D, time(9), timezone.utc)
PRICES = {"TEE": 1000, "MUG": 500, "CAP": 700, "HAT": 900}


def at(**delta) -> datetime:
    return T0 + timedelta(**delta)


class Store:
    """S001's events, applied by central's ingest as if they had come off the stream."""

    def __init__(self, service, store_id: str = "S001"):
        self.service, self.store_id, self.epoch, self.seq = service, store_id, uuid7(), 0

    def emit(self, type_: str, payload: dict, when: datetime) -> None:
        self.seq += 1
        envelope = EventEnvelope(id=uuid7(), type=type_, store_id=self.store_id, epoch=self.epoch, seq=self.seq,
                                 occurred_at=when, actor="system", payload=payload)
        msg = Msg(_client=None, subject=subjects.events(self.store_id), data=envelope.to_bytes(),
                  headers={"Nats-Msg-Id": subjects.msg_id(self.store_id, envelope.id)})
        self.service.ingest.apply_batch([msg], when)

    def heartbeat(self) -> None:
        self.service.heartbeats.record(self.store_id, Heartbeat(
            store_id=self.store_id, epoch=self.epoch, last_seq=self.seq, backlog=0,
            clock=datetime.now(timezone.utc), version="test"))

    def fulfil(self, order: dict, type_: str, when: datetime, **extra) -> None:
        [allocation] = [a for a in order["allocations"] if a["node_id"] == self.store_id]
        self.emit(type_, {"allocation_id": allocation["id"], "order_id": order["id"], **extra}, when)


def place(service, lines: dict[str, int], when: datetime, channel: str = "web", pickup: bool = False) -> dict:
    delivery = {"type": "pickup", "store_id": "S001"} if pickup else LONDON
    body = OrderBody.model_validate({"channel": channel, "customer": {"name": "Ada Lovelace"}, "delivery": delivery,
                                     "lines": [{"sku": s, "qty": q} for s, q in lines.items()]})
    status, view = service.orders.place(body.model_dump(mode="json"), None, when)
    assert status == 201, view
    return view


def ship(service, order: dict, node: str, when: datetime) -> None:
    [allocation] = [a for a in order["allocations"] if a["node_id"] == node]
    status, _ = service.shipments.ship(node, {"allocation_id": allocation["id"], "lines": None, "carrier": "DHL",
                                              "tracking_number": f"T-{order['id']}", "shipped_at": to_text(when)}, None, when)
    assert status == 201


@pytest.fixture(scope="module")
async def day(tmp_path_factory):
    """The day, built once: the tests only read it."""
    settings = CentralSettings(db_path=tmp_path_factory.mktemp("reports") / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as central:
        client, service = central.client, central.service
        for sku, price in PRICES.items():
            body = {**PRODUCT_BODY, "price": price}
            assert (await client.put(f"/v1/products/{sku}", json=body)).status_code == 201
        assert (await client.put("/v1/stores/S001", json={"name": "High St", "address": "1 High St", "lat": 51.5,
                                                          "lon": -0.12, "capabilities": ["pickup"]})).status_code == 201
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 20, "MUG": 20})
        await feed(central, "DC2", 53.48, -2.24, {"CAP": 1})
        store = Store(service)
        store.emit("stock.snapshot", {"chunk": 1, "chunks": 1, "levels": [
            {"sku": "TEE", "on_hand": 5, "reserved": 0, "damaged": 0},
            {"sku": "MUG", "on_hand": 5, "reserved": 0, "damaged": 0}]}, at(minutes=-30))
        store.heartbeat()

        orders = {}
        orders["A"] = place(service, {"TEE": 2}, at())
        orders["B"] = place(service, {"TEE": 1, "MUG": 1}, at(minutes=5))
        service.orders.cancel(orders["B"]["id"], "changed my mind", at(minutes=15))
        orders["C"] = place(service, {"TEE": 1}, at(minutes=10), channel="app", pickup=True)
        orders["D"] = place(service, {"MUG": 2}, at(minutes=20), pickup=True)
        orders["E"] = place(service, {"TEE": 1}, at(minutes=30), pickup=True)
        orders["F"] = place(service, {"MUG": 2}, at(minutes=40), channel="app", pickup=True)
        orders["G"] = place(service, {"TEE": 1, "CAP": 1}, at(minutes=50))
        orders["H"] = place(service, {"HAT": 1}, at(minutes=55))
        await feed(central, "DC2", 53.48, -2.24, {"CAP": 0})  # its next feed counts G's CAP as taken

        ship(service, orders["A"], "DC1", at(hours=2))
        store.fulfil(orders["C"], "fulfilment.accepted", at(minutes=20))
        store.fulfil(orders["C"], "fulfilment.picked", at(minutes=30))
        store.fulfil(orders["C"], "pickup.ready", at(hours=1))
        store.fulfil(orders["C"], "pickup.collected", at(hours=3), collected_by="Ada")
        store.fulfil(orders["D"], "fulfilment.accepted", at(minutes=25))
        store.fulfil(orders["D"], "fulfilment.picked", at(minutes=35))
        store.fulfil(orders["D"], "pickup.ready", at(hours=1))
        store.fulfil(orders["D"], "pickup.expired", at(hours=5))
        store.fulfil(orders["E"], "fulfilment.rejected", at(minutes=40), reason="damaged")
        store.fulfil(orders["F"], "fulfilment.accepted", at(minutes=45))
        store.fulfil(orders["F"], "fulfilment.picked", at(minutes=50), shortages=[{"sku": "MUG", "qty": 1}])
        store.fulfil(orders["F"], "pickup.ready", at(hours=1, minutes=10))
        store.fulfil(orders["F"], "pickup.collected", at(hours=1, minutes=40), collected_by="Ada")

        store.emit("sale.recorded", {
            "receipt_number": "S001-000001", "currency": "EUR", "total": 3000, "change_due": 0,
            "lines": [{"sku": "TEE", "qty": 3, "unit_price": 1000, "tax_rate_bp": 2000, "line_total": 3000}],
            "tenders": [{"type": "card", "amount": 3000, "reference": "pos-1"}], "stock": []}, at(hours=1))
        store.emit("return.recorded", {
            "return_number": "S001-R000001", "original": {"receipt_number": "S001-000001"}, "currency": "EUR",
            "lines": [{"sku": "TEE", "qty": 1, "reason": "faulty", "disposition": "damaged", "refund": 1000}],
            "refunds": [{"tender": "store_credit", "amount": 1000, "reference": "S001-C000001"}], "stock": []},
            at(hours=2))
        store.emit("return.recorded", {
            "return_number": "S001-R000002", "original": {"order_id": orders["A"]["id"]}, "currency": "EUR",
            "lines": [{"sku": "TEE", "qty": 1, "reason": "wrong_size", "disposition": "restock", "refund": 1000}],
            "refunds": [{"tender": "card", "amount": 1000}], "stock": []}, at(hours=4))
        store.heartbeat()
        central.orders = {name: (await client.get(f"/v1/orders/{o['id']}")).json() for name, o in orders.items()}
        yield central


async def kpis(client, **params) -> dict:
    response = await client.get("/v1/reports/kpis", params={"from": D.isoformat(), "to": D.isoformat(), **params})
    assert response.status_code == 200, response.text
    return response.json()


class TestADayOfKnownOrders:
    async def test_the_scenario_is_what_the_figures_are_counted_from(self, day):
        status = {name: o["status"] for name, o in day.orders.items()}
        assert status == {"A": "completed", "B": "cancelled", "C": "completed", "D": "cancelled", "E": "held",
                          "F": "completed", "G": "in_fulfilment", "H": "backordered"}
        assert sorted(a["node_id"] for a in day.orders["G"]["allocations"]) == ["DC1", "DC2"]

    async def test_every_figure_is_the_hand_counted_one(self, day):
        report = await kpis(day.client)
        assert report["orders"] == {"placed": 8, "completed": 3, "customer_cancelled": 1}
        # A 7200, C 10200, F 3600 → sorted 3600, 7200, 10200: nearest rank 2 and 3.
        assert report["cycle_time"] == {"orders": 3, "p50_s": 7200, "p90_s": 10200}
        # Closed and not cancelled by the customer: A (2 of 2), C (1 of 1), D (0 of 2), F (1 of 2).
        assert report["fill_rate"] == {"orders": 4, "units_wanted": 7, "units_filled": 4, "rate": 0.5714}
        # Live allocations: A, C, F at one node, G at two.
        assert report["split_rate"] == {"orders": 4, "split": 1, "rate": 0.25}
        assert report["backorder_rate"] == {"orders": 8, "backordered": 1, "rate": 0.125}
        # A, B, C, D, E, F one allocation each, G two; S001 turned E down.
        assert report["reroute_rate"] == {"allocations": 8, "rerouted": 1, "rate": 0.125, "reasons": {"damaged": 1}}
        assert report["pickups"] == {"ready": 3, "collected": 2, "no_shows": 1, "no_show_rate": 0.3333,
                                     "wait_p50_s": 1800, "wait_p90_s": 7200}
        assert report["short_pick_rate"] == {"picked": 3, "short": 1, "rate": 0.3333}
        # Sold: 3 at the counter, A 2, C 1, F 1 handed over; back: 2.
        assert report["returns"] == {"units_sold": 7, "units_returned": 2, "conflict_units": 0, "rate": 0.2857,
                                     "by_reason": [
            {"reason": "faulty", "disposition": "damaged", "units": 1, "rate": 0.1429},
            {"reason": "wrong_size", "disposition": "restock", "units": 1, "rate": 0.1429}]}
        # Asked for: TEE, MUG, CAP, HAT; G took DC2's only CAP and nobody has HAT.
        assert report["stockouts"] == {"skus_with_demand": 4, "out_of_stock": 2, "rate": 0.5, "skus": ["CAP", "HAT"]}
        assert report["sales"] == [
            # A 2000, B 1500 refunded in full, G 1700, H 900; all paid online.
            {"store_id": None, "channel": "web", "currency": "EUR", "documents": 4, "sales": 4600, "takings": 6100,
             "refunds": 0, "net_takings": 6100, "by_tender": {"online": 6100}},
            # C 1000, F 1000 less the short MUG's 500.
            {"store_id": "S001", "channel": "app", "currency": "EUR", "documents": 2, "sales": 1500, "takings": 2000,
             "refunds": 0, "net_takings": 2000, "by_tender": {"online": 2000}},
            {"store_id": "S001", "channel": "walk_in", "currency": "EUR", "documents": 1, "sales": 3000,
             "takings": 3000, "refunds": 1000, "net_takings": 2000, "by_tender": {"card": 3000, "store_credit": -1000}},
            # D 1000 refunded when it expired, E 1000; A's return refunded at S001.
            {"store_id": "S001", "channel": "web", "currency": "EUR", "documents": 2, "sales": 1000, "takings": 2000,
             "refunds": 1000, "net_takings": 1000, "by_tender": {"card": -1000, "online": 2000}}]
        assert report["credit_liability"] == [{"currency": "EUR", "notes": 1, "outstanding": 1000}]
        [s001] = report["sync_lag"]
        assert (s001["store_id"], s001["events_behind"], s001["unsent"], s001["lag_s"]) == ("S001", 0, 0, 0)

    async def test_a_channel_or_a_store_narrows_every_figure(self, day):
        app = await kpis(day.client, channel="app")
        assert app["orders"]["placed"] == 2 and app["cycle_time"] == {"orders": 2, "p50_s": 3600, "p90_s": 10200}
        assert [(row["store_id"], row["channel"]) for row in app["sales"]] == [("S001", "app")]
        assert app["returns"]["units_sold"] == 2 and app["returns"]["units_returned"] == 0
        dc2 = await kpis(day.client, store="DC2")
        assert dc2["orders"]["placed"] == 1 and dc2["split_rate"] == {"orders": 1, "split": 1, "rate": 1.0}
        assert dc2["sales"] == [] and dc2["sync_lag"] == []

    async def test_a_day_series_has_a_point_for_every_day_and_money_per_currency(self, day):
        before = (D - timedelta(days=1)).isoformat()
        placed = (await day.client.get("/v1/reports/daily", params={
            "metric": "orders_placed", "from": before, "to": D.isoformat()})).json()
        assert [(p["date"], p["value"]) for p in placed["points"]] == [(before, 0), (D.isoformat(), 8)]
        sales = (await day.client.get("/v1/reports/daily", params={
            "metric": "sales", "from": before, "to": D.isoformat()})).json()
        assert [(p["date"], p["currency"], p["value"]) for p in sales["points"]] == [
            (before, None, 0), (D.isoformat(), "EUR", 4600 + 1500 + 3000 + 1000)]

    async def test_csv_carries_the_same_figures(self, day):
        report = await kpis(day.client)
        response = await day.client.get("/v1/reports/kpis", params={"from": D.isoformat(), "to": D.isoformat(),
                                                                    "format": "csv"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = {(r["figure"], r["key"], r["field"]): r["value"] for r in csv.DictReader(io.StringIO(response.text))}
        assert rows[("fill_rate", "", "rate")] == str(report["fill_rate"]["rate"])
        assert rows[("reroute_rate", "damaged", "reasons")] == "1"
        assert rows[("returns", "faulty/damaged", "by_reason.units")] == "1"
        assert rows[("sales", "S001/walk_in/EUR", "net_takings")] == "2000"
        daily = await day.client.get("/v1/reports/daily", params={"metric": "fill_rate", "from": D.isoformat(),
                                                                  "to": D.isoformat(), "format": "csv"})
        assert list(csv.reader(io.StringIO(daily.text))) == [["date", "metric", "currency", "value"],
                                                             [D.isoformat(), "fill_rate", "", "0.5714"]]


class TestBadInput:
    @pytest.mark.parametrize("path, params, words", [
        ("/v1/reports/kpis", {"from": "2026-03-03", "to": "2026-03-02"}, "after it ends"),
        ("/v1/reports/daily", {"metric": "happiness", "from": "2026-03-02", "to": "2026-03-02"},
         "no daily metric 'happiness'"),
        ("/v1/reports/daily", {"metric": "sales", "from": "2025-01-01", "to": "2026-03-02"}, "at most 366 days"),
        ("/v1/reports/kpis", {"from": "0001-01-01", "to": "2026-03-02"}, "2000"),
        ("/v1/reports/kpis", {"from": "2026-03-02", "to": "9999-12-31"}, "2999"),
        ("/v1/reports/kpis", {"from": "2026-02-30", "to": "2026-03-02"}, "from"),
        ("/v1/reports/kpis", {"to": "2026-03-02"}, "from"),
        ("/v1/reports/kpis", {"from": "2026-03-02", "to": "2026-03-02", "format": "xml"}, "format"),
        ("/v1/receipts", {"store": "S001", "from": "2026-03-03", "to": "2026-03-02"}, "after it ends"),
        ("/v1/orders", {"created_from": "2026-03-03T00:00:00Z", "created_to": "2026-03-02T00:00:00Z"},
         "created_from is after created_to"),
    ])
    async def test_is_a_422_problem_that_says_what_is_wrong(self, day, path, params, words):
        response = await day.client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "validation_error" and words in response.text

    async def test_reports_need_a_token(self, day):
        response = await day.client.get("/v1/reports/kpis", params={"from": D.isoformat(), "to": D.isoformat()},
                                        headers={"Authorization": ""})
        assert response.status_code == 401


class TestRefundConflicts:
    async def test_units_refunded_twice_are_counted_and_a_return_rate_may_pass_one(self, tmp_path):
        """One TEE sold on the day before; two stores, offline, each take it back on the day."""
        settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
        async with running_central(settings, with_nats=False) as central:
            seller, other = Store(central.service, "S001"), Store(central.service, "S002")
            seller.emit("sale.recorded", {
                "receipt_number": "S001-000001", "currency": "EUR", "total": 1000, "change_due": 0,
                "lines": [{"sku": "TEE", "qty": 1, "unit_price": 1000, "tax_rate_bp": 2000, "line_total": 1000}],
                "tenders": [{"type": "cash", "amount": 1000}], "stock": []}, at(days=-1))
            for store, number in ((seller, "S001-R000001"), (other, "S002-R000001")):
                store.emit("return.recorded", {
                    "return_number": number, "original": {"receipt_number": "S001-000001"}, "currency": "EUR",
                    "lines": [{"sku": "TEE", "qty": 1, "reason": "faulty", "disposition": "write_off",
                               "refund": 1000}],
                    "refunds": [{"tender": "cash", "amount": 1000}], "stock": []}, at(hours=1))
            report = await kpis(central.client)
            two_days = await kpis(central.client, **{"from": (D - timedelta(days=1)).isoformat()})
        assert report["returns"] == {"units_sold": 0, "units_returned": 2, "conflict_units": 1, "rate": None,
                                     "by_reason": [{"reason": "faulty", "disposition": "write_off", "units": 2,
                                                    "rate": None}]}
        assert (two_days["returns"]["rate"], two_days["returns"]["conflict_units"]) == (2.0, 1)
