"""Searching the store's catalog: SKU prefix, name in any case, exact barcode; keyset pages on SKU."""

import pytest

from edge.store.products import (
    decode_cursor,
    encode_cursor,
    find_product,
    put_catalog_setting,
    search_products,
    upsert_product,
)
from shared.contract.events import CatalogProduct
from tests.unit.edge.conftest import add_products


def skus(db, q=None, after=None, limit=50):
    with db.read() as conn:
        items, cursor = search_products(conn, q, after, limit)
    return [i["sku"] for i in items], cursor


class TestSearch:
    def test_matches_a_sku_prefix(self, db):
        assert skus(db, "TEE")[0] == ["TEE-BLU-M", "TEE-RED-M"]

    def test_matches_part_of_the_name_in_any_case(self, db):
        assert skus(db, "morning")[0] == ["MUG-01"]

    def test_matches_an_exact_barcode_only(self, db):
        assert skus(db, "4006381333948")[0] == ["TEE-BLU-M"]
        assert skus(db, "400638133394")[0] == []

    def test_treats_percent_and_underscore_as_plain_characters(self, db):
        assert skus(db, "50%")[0] == ["SOCK_50%"]
        assert skus(db, "SOCK_")[0] == ["SOCK_50%"]
        assert skus(db, "_")[0] == []  # as a wildcard it would match every product

    def test_pages_through_everything_once_in_sku_order(self, db):
        add_products(db, [CatalogProduct(sku=f"P{i:03}", name=f"Item {i}", price=100, currency="EUR")
                          for i in range(23)])
        seen, cursor = [], None
        while True:
            page, next_cursor = skus(db, "P", decode_cursor(cursor) if cursor else None, limit=5)
            seen += page
            if next_cursor is None:
                break
            cursor = next_cursor
        assert seen == [f"P{i:03}" for i in range(23)]

    def test_a_cursor_round_trips_any_sku(self):
        assert decode_cursor(encode_cursor("Bröd/≈ 1")) == "Bröd/≈ 1"

    def test_a_made_up_cursor_is_refused(self):
        with pytest.raises(ValueError):
            decode_cursor("%%%")


class TestLookup:
    def test_finds_by_sku_then_by_barcode(self, db):
        with db.read() as conn:
            assert find_product(conn, "MUG-01")["name"] == "Mug 'Morning'"
            assert find_product(conn, "4006381333931")["sku"] == "TEE-RED-M"
            assert find_product(conn, "nothing") is None


class TestCatalogUpdates:
    def test_a_product_update_replaces_what_the_store_held(self, db):
        add_products(db, [CatalogProduct(sku="MUG-01", name="Mug 'Evening'", price=990, currency="EUR")])
        with db.read() as conn:
            product = find_product(conn, "MUG-01")
        assert (product["name"], product["price"]) == ("Mug 'Evening'", 990)

    def test_a_catalog_update_rolls_back_with_the_transaction_it_joined(self, db):
        with pytest.raises(RuntimeError), db.write() as conn:
            upsert_product(conn, CatalogProduct(sku="NEW-1", name="New", price=100, currency="EUR"))
            put_catalog_setting(conn, "policy", "{}")
            raise RuntimeError("the command failed after the update")
        with db.read() as conn:
            assert find_product(conn, "NEW-1") is None
            assert conn.execute("SELECT 1 FROM catalog_settings WHERE key = 'policy'").fetchone() is None
