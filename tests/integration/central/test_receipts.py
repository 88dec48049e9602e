"""Orders priced from the catalog and given a signed receipt token; the signing keys made on the first
start, rotated, and published on `omni.catalog.keys` where a store reads them (DESIGN §6 "Returns")."""

import asyncio

import jwt
import pytest
from nats.errors import TimeoutError as NatsTimeout

from central.cli import main
from central.settings import CentralSettings
from shared.contract import subjects
from shared.contract.events import CatalogKeys
from shared.contract.receipt_tokens import InvalidReceiptToken
from shared.runtime.receipt_tokens import verify
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_orders_api import feed, order
from tests.integration.central.test_orders_flow import FAR, NEAR, network, place


@pytest.fixture
async def central(tmp_path):
    """Central without NATS, with warehouse stock (a warehouse needs no store to answer)."""
    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        assert (await running.client.put("/v1/products/TEE", json=PRODUCT_BODY)).status_code == 201
        assert (await running.client.put("/v1/products/MUG", json={**PRODUCT_BODY, "price": 850})).status_code == 201
        assert (await running.client.put("/v1/products/KRONA", json={**PRODUCT_BODY, "currency": "SEK"})
                ).status_code == 201
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 10, "MUG": 10, "KRONA": 10})
        yield running


async def published_keys(central) -> dict[str, str]:
    listing = (await central.client.get("/v1/keys")).json()
    return {key["kid"]: key["public_key"] for key in listing["keys"]}


class TestPricesAndTokens:
    async def test_an_order_is_priced_from_the_catalog_and_its_token_signs_those_figures(self, central):
        body = (await central.client.post("/v1/orders", json=order({"TEE": 2, "MUG": 1}))).json()
        assert (body["currency"], body["total"]) == ("EUR", 2 * 1999 + 850)
        assert {line["sku"]: line["unit_price"] for line in body["lines"]} == {"TEE": 1999, "MUG": 850}
        assert body["paid"] == [{"tender": "online", "amount": 4848}]
        claims = verify(body["receipt_token"], await published_keys(central))
        assert claims["order_id"] == body["id"] and claims["total"] == 4848 and claims["currency"] == "EUR"
        assert claims["lines"] == [{"sku": "TEE", "qty": 2, "unit_price": 1999},
                                   {"sku": "MUG", "qty": 1, "unit_price": 850}]
        assert claims["paid"] == body["paid"] and claims["issued_at"] == body["created_at"]
        again = (await central.client.get(f"/v1/orders/{body['id']}")).json()
        assert (again["receipt_token"], again["total"], again["paid"]) == (body["receipt_token"], 4848, body["paid"])

    async def test_a_later_price_change_leaves_the_order_as_it_was_paid(self, central):
        body = (await central.client.post("/v1/orders", json=order({"TEE": 1}))).json()
        assert (await central.client.put("/v1/products/TEE", json={**PRODUCT_BODY, "price": 2999})).status_code == 200
        again = (await central.client.get(f"/v1/orders/{body['id']}")).json()
        assert (again["lines"][0]["unit_price"], again["total"]) == (1999, 1999)

    async def test_a_given_payment_is_recorded_and_signed_without_its_reference(self, central):
        payment = {"tender": "card", "amount": 1999, "reference": "psp-8812"}
        body = (await central.client.post("/v1/orders", json=order({"TEE": 1}, payment=payment))).json()
        assert body["paid"] == [payment]
        assert verify(body["receipt_token"], await published_keys(central))["paid"] == [
            {"tender": "card", "amount": 1999}]

    @pytest.mark.parametrize("body, code, words", [
        (order({"TEE": 1}, payment={"tender": "card", "amount": 1000}), "payment_mismatch", "total of 1999"),
        (order({"TEE": 1, "KRONA": 1}), "mixed_currencies", "KRONA in SEK"),
        (order({"TEE": 1}, payment={"tender": "Card!", "amount": 1999}), "validation_error", "tender"),
    ])
    async def test_an_order_that_cannot_be_priced_or_paid_as_sent_is_refused_and_nothing_is_written(
            self, central, body, code, words):
        response = await central.client.post("/v1/orders", json=body)
        assert (response.status_code, response.json()["code"]) == (422, code)
        assert words in response.text
        assert central.query("SELECT COUNT(*) FROM orders")[0][0] == 0


class TestKeys:
    async def test_the_first_start_makes_one_key_and_a_restart_keeps_it(self, tmp_path):
        settings = CentralSettings(db_path=tmp_path / "restarted.db", admin_token=ADMIN_TOKEN)
        async with running_central(settings, with_nats=False) as first:
            listing = (await first.client.get("/v1/keys")).json()
        [key] = listing["keys"]
        assert key["current"] and listing["current"] == key["kid"] and set(key) == {"kid", "public_key",
                                                                                   "created_at", "current"}
        async with running_central(settings, with_nats=False) as second:
            assert (await second.client.get("/v1/keys")).json() == listing

    async def test_a_rotation_signs_new_orders_with_the_new_key_and_old_tokens_still_verify(self, central):
        old = (await central.client.post("/v1/orders", json=order({"TEE": 1}))).json()["receipt_token"]
        rotated = await central.client.post("/v1/keys/rotate")
        assert rotated.status_code == 200
        listing = rotated.json()
        assert len(listing["keys"]) == 2 and listing["keys"][0]["kid"] == listing["current"]
        new = (await central.client.post("/v1/orders", json=order({"TEE": 1}))).json()["receipt_token"]
        assert jwt.get_unverified_header(new)["kid"] == listing["current"] != jwt.get_unverified_header(old)["kid"]
        keys = await published_keys(central)
        assert verify(old, keys)["total"] == verify(new, keys)["total"] == 1999
        with pytest.raises(InvalidReceiptToken):
            verify(old, {listing["current"]: keys[listing["current"]]})

    async def test_reading_keys_needs_read_and_rotating_needs_admin(self, central):
        token = (await central.client.post("/v1/tokens", json={"name": "till", "scopes": ["orders"]})).json()["token"]
        as_orders = {"Authorization": f"Bearer {token}"}
        assert (await central.client.get("/v1/keys", headers=as_orders)).status_code == 200
        refused = await central.client.post("/v1/keys/rotate", headers=as_orders)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        assert len((await central.client.get("/v1/keys")).json()["keys"]) == 1


class TestKeysRotateCommand:
    def test_prints_the_new_key_id_and_keeps_the_old_key(self, tmp_path, capsys):
        db = str(tmp_path / "central.db")
        assert main(["keys", "rotate", "--db", db]) == 0
        first = capsys.readouterr().out.strip()
        assert main(["keys", "rotate", "--db", db]) == 0
        second = capsys.readouterr().out.strip()
        from central.store import signing_keys
        from central.store.schema import open_database

        database = open_database(db)
        with database.read() as conn:
            listing = signing_keys.listing(conn)
        database.close()
        assert listing["current"] == second != first
        assert [k["kid"] for k in listing["keys"]][:2] == [second, first] and len(listing["keys"]) == 3


async def keys_on_catalog(link, store_id: str, current: str, timeout: float = 30) -> CatalogKeys:
    """`omni.catalog.keys` as a store reads it: through its own catalog consumer, until it names `current`
    (an earlier central of the same broker may have published other keys before)."""
    sub = await link.js.pull_subscribe_bind(subjects.catalog_consumer(store_id), stream=subjects.CATALOG_STREAM)
    deadline = asyncio.get_running_loop().time() + timeout
    seen = None
    try:
        while asyncio.get_running_loop().time() < deadline:
            try:
                for msg in await sub.fetch(50, timeout=0.5):
                    await msg.ack()
                    if msg.subject == subjects.CATALOG_KEYS:
                        seen = CatalogKeys.model_validate_json(msg.data)
                        if seen.current == current:
                            return seen
            except NatsTimeout:
                pass
    finally:
        await sub.unsubscribe()
    raise AssertionError(f"{store_id} never read keys with current {current}; last seen: {seen}")


class TestTokensAtTheStore:
    async def test_the_assign_and_its_re_route_carry_a_token_that_verifies_with_the_keys_the_store_reads(
            self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            placed = await place(central, sku, 2)
            assign = await stores[NEAR].next_command(placed["id"], "fulfilment.assign")
            assert assign["receipt_token"] == placed["receipt_token"]
            current = (await central.client.get("/v1/keys")).json()["current"]
            keys = await keys_on_catalog(stores[NEAR].link, NEAR, current)
            claims = verify(assign["receipt_token"], keys.keys)
            assert (claims["order_id"], claims["lines"], claims["total"]) == \
                (placed["id"], [{"sku": sku, "qty": 2, "unit_price": 1999}], 3998)

            await stores[NEAR].fulfilment("fulfilment.rejected", assign, levels=(0, 0), reason="not_found")
            second = await stores[FAR].next_command(placed["id"], "fulfilment.assign")
            assert second["receipt_token"] == placed["receipt_token"]

    async def test_a_rotation_is_published_with_the_old_key_kept(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            before = (await place(central, sku, 1))["receipt_token"]
            current = (await central.client.post("/v1/keys/rotate")).json()["current"]
            keys = await keys_on_catalog(stores[FAR].link, FAR, current)
            assert len(keys.keys) == 2 and current in keys.keys
            after = (await place(central, sku, 1))["receipt_token"]
            assert verify(before, keys.keys)["total"] == verify(after, keys.keys)["total"] == 1999
