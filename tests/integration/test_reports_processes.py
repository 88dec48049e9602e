"""Reports with central and a store as real processes over a real nats-server: a sale and a return at the counter
reach head office's KPIs (sales, takings, refunds, returns by reason), its receipts by date and its sync lag."""

import uuid
from datetime import datetime, timezone

import httpx

from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

STORE = "S009"  # the file's own nats-server: its stream holds only this test's events of the store
SKU = f"XREP-{uuid.uuid4().hex[:6].upper()}"


def test_a_sale_and_a_return_at_the_counter_reach_head_offices_reports(tmp_path, nats_server):
    central = CentralProcess(tmp_path, nats_server).start()
    edge = None
    try:
        head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"},
                                   timeout=10)
        head_office.put(f"/v1/stores/{STORE}", json={"name": "Harbour", "address": "Quay 1", "lat": 53.54,
                                                     "lon": 9.99}).raise_for_status()
        head_office.put(f"/v1/products/{SKU}", json={"name": "Wool hat", "price": 2500, "currency": "EUR",
                                                     "tax_rate_bp": 1900}).raise_for_status()
        edge = EdgeProcess(tmp_path, STORE, nats_server).start()
        counter = httpx.Client(base_url=edge.url, timeout=15)
        token = counter.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
        counter.headers["Authorization"] = f"Bearer {token}"
        poll(lambda: counter.get(f"/v1/stock/{SKU}").status_code == 200, what="the catalog at the store")
        counter.post("/v1/stock/receive", json={"sku": SKU, "qty": 5, "reference": "DEL-1"}).raise_for_status()
        sale = counter.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": 2}], "tenders": [
            {"type": "cash", "amount": 6000}]})
        assert sale.status_code == 201, sale.text
        receipt = sale.json()["receipt_number"]
        back = counter.post("/v1/returns", json={"receipt_number": receipt, "lines": [
            {"sku": SKU, "qty": 1, "reason": "too_small", "disposition": "restock"}]})
        assert back.status_code == 201, back.text

        today = datetime.now(timezone.utc).date().isoformat()
        days = {"from": today, "to": today}

        def returned_at_central():
            report = head_office.get("/v1/reports/kpis", params={**days, "store": STORE}).json()
            return report["returns"]["units_returned"] == 1 and report
        report = poll(returned_at_central, what="the return in head office's KPIs")
        assert report["sales"] == [{"store_id": STORE, "channel": "walk_in", "currency": "EUR", "documents": 1,
                                    "sales": 5000, "takings": 5000, "refunds": 2500, "net_takings": 2500,
                                    "by_tender": {"cash": 2500}}]
        assert report["returns"] == {"units_sold": 2, "units_returned": 1, "conflict_units": 0, "rate": 0.5,
                                     "by_reason": [{"reason": "too_small", "disposition": "restock", "units": 1,
                                                    "rate": 0.5}]}
        [lag] = poll(lambda: [s for s in head_office.get("/v1/reports/kpis", params=days).json()["sync_lag"]
                              if s["events_behind"] == 0 and s["unsent"] == 0] or None, what="the store caught up")
        assert lag["store_id"] == STORE and lag["lag_s"] == 0
        receipts = head_office.get("/v1/receipts", params={"store": STORE, **days}).json()
        assert [(r["receipt_number"], r["total"], r["units"]) for r in receipts["items"]] == [(receipt, 5000, 2)]
        csv_text = head_office.get("/v1/reports/daily", params={**days, "metric": "net_takings",
                                                                 "store": STORE, "format": "csv"}).text
        assert csv_text.splitlines() == ["date,metric,currency,value", f"{today},net_takings,EUR,2500"]
    finally:
        if edge is not None:
            edge.stop()
        central.stop()
