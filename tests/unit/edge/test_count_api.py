"""Cycle counts and the ledger through the real API and database."""

import json

from shared.contract.events import CatalogProduct
from tests.unit.edge.conftest import add_products, assert_problem


def outbox(client, type_):
    with client.app.state.edge.db.read() as conn:
        return [json.loads(r["payload"]) for r in
                conn.execute("SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (type_,))]


class TestCycleCount:
    def test_a_count_sets_on_hand_and_reports_each_variance(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 5, "reference": "DN-1"})
        answer = signed_in.post("/v1/stock/count", json={"counts": [{"sku": "MUG-01", "counted": 3},
                                                                   {"sku": "4006381333931", "counted": 2}],
                                                        "reference": "CC-7"})
        assert answer.status_code == 201, answer.text
        assert [(i["sku"], i["previous"], i["variance"]) for i in answer.json()["items"]] == [
            ("MUG-01", 5, -2), ("TEE-RED-M", 0, 2)]
        assert signed_in.get("/v1/stock/MUG-01").json()["on_hand"] == 3
        [event] = outbox(signed_in, "stock.counted")
        assert event["chunk"] == event["chunks"] == 1 and len(event["counts"]) == 2
        assert {s["sku"]: s["on_hand"] for s in event["stock"]} == {"MUG-01": 3, "TEE-RED-M": 2}

    def test_a_count_of_many_skus_is_cut_into_events_of_at_most_500(self, signed_in):
        db = signed_in.app.state.edge.db
        add_products(db, [CatalogProduct(sku=f"B-{i:04d}", name=f"Bulk {i}", price=100, currency="EUR")
                          for i in range(1201)])
        answer = signed_in.post("/v1/stock/count", json={"counts": [{"sku": f"B-{i:04d}", "counted": 1}
                                                                   for i in range(1201)]})
        assert answer.status_code == 201
        events = outbox(signed_in, "stock.counted")
        assert [len(e["stock"]) for e in events] == [500, 500, 201]
        assert [(e["chunk"], e["chunks"]) for e in events] == [(1, 3), (2, 3), (3, 3)]

    def test_a_bad_count_changes_nothing(self, signed_in):
        assert_problem(signed_in.post("/v1/stock/count", json={"counts": [{"sku": "MUG-01", "counted": 1},
                                                                          {"sku": "NOPE", "counted": 1}]}),
                       404, "unknown_sku")
        assert_problem(signed_in.post("/v1/stock/count", json={"counts": [{"sku": "MUG-01", "counted": -1}]}),
                       422, "validation_error")
        assert_problem(signed_in.post("/v1/stock/count", json={"counts": [{"sku": "MUG-01", "counted": 1},
                                                                          {"sku": "MUG-01", "counted": 2}]}),
                       422, "validation_error")
        assert outbox(signed_in, "stock.counted") == []
        assert signed_in.get("/v1/stock/MUG-01").json()["on_hand"] == 0


class TestLedger:
    def test_the_ledger_explains_the_level_newest_first_in_pages(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 5, "reference": "DN-1"})
        signed_in.post("/v1/sales", json={"lines": [{"sku": "MUG-01", "qty": 1}],
                                          "tenders": [{"type": "cash", "amount": 890}]})
        signed_in.post("/v1/stock/count", json={"counts": [{"sku": "MUG-01", "counted": 3}], "reference": "CC-1"})
        first = signed_in.get("/v1/stock/MUG-01/ledger", params={"limit": 2}).json()
        assert [(i["reason"], i["on_hand_delta"]) for i in first["items"]] == [("count", -1), ("sale", -1)]
        rest = signed_in.get("/v1/stock/MUG-01/ledger", params={"cursor": first["next_cursor"]}).json()
        assert [(i["reason"], i["reference"], i["actor"]) for i in rest["items"]] == [("delivery", "DN-1", "A1")]
        assert rest["next_cursor"] is None
        everything = first["items"] + rest["items"]
        assert sum(i["on_hand_delta"] for i in everything) == signed_in.get("/v1/stock/MUG-01").json()["on_hand"]

    def test_the_ledger_of_an_unknown_sku_is_a_404(self, signed_in):
        assert_problem(signed_in.get("/v1/stock/NOPE/ledger"), 404, "unknown_sku")


class TestAWholeStoreCount:
    def test_every_counted_sku_gets_its_ledger_row_in_count_order_even_without_a_variance(self, signed_in):
        counts = [{"sku": "TEE-RED-M", "counted": 3}, {"sku": "MUG-01", "counted": 0}, {"sku": "TEE-BLU-M", "counted": 1}]
        assert signed_in.post("/v1/stock/count", json={"counts": counts, "reference": "C-9"}).status_code == 201
        with signed_in.app.state.edge.db.read() as conn:
            rows = conn.execute("SELECT sku, on_hand_delta, reason, reference FROM stock_ledger ORDER BY id").fetchall()
            levels = {r["sku"]: r["on_hand"] for r in conn.execute("SELECT sku, on_hand FROM stock")}
        assert [tuple(r) for r in rows] == [("TEE-RED-M", 3, "count", "C-9"), ("MUG-01", 0, "count", "C-9"),
                                            ("TEE-BLU-M", 1, "count", "C-9")]
        assert levels == {"TEE-RED-M": 3, "MUG-01": 0, "TEE-BLU-M": 1}
