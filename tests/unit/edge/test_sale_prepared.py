"""A sale's lines, body and receipt are made before its transaction when the store prints: what it records and
prints must be what the transaction alone would have made, and a price changed in between must be the one sold at."""

from datetime import timedelta

from edge.domain.sales import TenderIn
from edge.printing.documents import StoreHeader
from edge.printing.service import Printing, PrintingSettings, preview_printers
from edge.services.access import Associate, Sessions
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from shared.contract.models import Role
from tests.unit.edge.conftest import CATALOG, T0, add_products

ANA = Associate("A1", "Ana", Role.ASSOCIATE)
HEADER = StoreHeader("Main Street", "S001")


def service(db, printing: Printing | None) -> SalesService:
    return SalesService(db, Sessions(db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                        online=lambda: False, printing=printing)


def basket() -> SaleIn:
    request = {"lines": [{"sku": "TEE-RED-M", "qty": 2}, {"sku": "MUG-01", "qty": 1}]}
    return SaleIn([SaleLineIn("TEE-RED-M", 2), SaleLineIn("4006381333948", 1), SaleLineIn("MUG-01", 1)],
                  [TenderIn("cash", 10000, None)], None, request)


def printed(db) -> list[tuple]:
    with db.read() as conn:
        return [(r["ref"], r["payload"], r["preview"]) for r in conn.execute("SELECT * FROM print_jobs ORDER BY rowid")]


def test_a_sale_made_ready_before_its_transaction_records_and_prints_what_the_transaction_would(tmp_path):
    printing = Printing(PrintingSettings(printers=preview_printers(tmp_path / "prints")), HEADER)
    ready, plain = open_database(tmp_path / "ready.db"), open_database(tmp_path / "plain.db")
    for db in (ready, plain):
        add_products(db)
    answers = []
    for db, prepares in ((ready, True), (plain, False)):
        sales = service(db, printing)
        if not prepares:
            sales._prepare = lambda *args: None  # the transaction makes everything itself
        answers.append([sales.record(basket(), ANA, f"k{n}", T0 + timedelta(seconds=n)).body for n in range(3)])
    assert [{**b, "event_id": None} for b in answers[0]] == [{**b, "event_id": None} for b in answers[1]]
    assert printed(ready) == printed(plain)
    assert [ref for ref, _, _ in printed(ready)] == ["S001-000001", "S001-000002", "S001-000003"]


def test_a_price_changed_between_the_preparation_and_the_transaction_is_the_price_sold_at(tmp_path):
    db = open_database(tmp_path / "edge.db")
    add_products(db)
    sales = service(db, Printing(PrintingSettings(printers=preview_printers(tmp_path / "prints")), HEADER))
    prepare = sales._prepare

    def prepared_then_repriced(*args):
        made = prepare(*args)
        with db.write() as conn:
            upsert_product(conn, CatalogProduct(**{**CATALOG[0].model_dump(), "price": 2490}))
        return made

    sales._prepare = prepared_then_repriced
    body = sales.record(basket(), ANA, "k1", T0).body
    assert [line["unit_price"] for line in body["lines"]] == [2490, 1990, 890]
    [(_, _, preview)] = printed(db)
    assert "24.90" in preview and "19.90" in preview
