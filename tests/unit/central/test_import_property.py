"""Invariant of a products import over random files of good and bad rows: every row read is either applied or
refused (never both, never half), and the catalog ends as the last good row of each SKU says — whatever the
batch boundaries."""

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.services.import_kinds import import_kinds
from central.services.imports import Imports
from central.store.schema import open_database
from shared.contract.models import Product

NOW = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)
GOOD_PRICES = st.integers(0, 10_000_000_000).map(str)
BAD_PRICES = st.sampled_from(["", "-1", "1.5", "ten", "10000000001"])
ROWS = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.one_of(GOOD_PRICES, BAD_PRICES),
                          st.sampled_from(["EUR", "EUR", "usd"])), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, batch_rows=st.integers(1, 7))
def test_each_row_is_applied_or_refused_and_the_last_good_row_of_a_sku_wins(tmp_path_factory, rows, batch_rows):
    db = open_database(tmp_path_factory.mktemp("imports") / "central.db")
    kinds = import_kinds(catalog_changed=lambda: None, store_registered=lambda s: None, stock_changed=lambda: None)
    imports = Imports(db, kinds, batch_rows=batch_rows)
    text = "sku,name,price,currency\n" + "".join(f"{sku},Product {sku},{price},{cur}\n" for sku, price, cur in rows)
    view = imports.submit("products", text.encode(), Product, NOW)
    imports.run_queued()

    def good(price: str, currency: str) -> bool:
        return price.isdigit() and int(price) <= 10_000_000_000 and currency == "EUR"

    expected = {sku: int(price) for sku, price, cur in rows if good(price, cur)}
    done = imports.view(view["id"])
    refused_rows = {r["row"] for r in imports.refusals(view["id"], None, 1000)[0]}
    assert (done["status"], done["rows_read"]) == ("done", len(rows))
    assert done["rows_applied"] + done["rows_refused"] == len(rows)
    assert refused_rows == {n + 2 for n, (_, price, cur) in enumerate(rows) if not good(price, cur)}
    with db.read() as conn:
        assert {r["sku"]: r["price"] for r in conn.execute("SELECT sku, price FROM products")} == expected
    db.close()
