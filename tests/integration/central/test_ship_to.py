"""A ship order's address at central's door, over the real app and SQLite (warehouses only, no NATS): what is
refused with which words, where an order without coordinates is routed, and older orders after the migration."""

import json

import pytest

from central.domain.addresses import country_centroid
from central.store.schema import MIGRATIONS, STRUCTURED_SHIP_TO
from shared.runtime.sqlite import Database
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_orders_api import feed

HAMBURG = {"name": "Jan Meier", "line1": "Lange Reihe 50", "city": "Hamburg", "postal_code": "20099",
           "country": "DE"}


def ship_order(address) -> dict:
    return {"channel": "web", "customer": {"name": "Jan Meier"}, "lines": [{"sku": "TEE", "qty": 1}],
            "delivery": {"type": "ship", "address": address}}


@pytest.fixture
async def central(tmp_path):
    from central.settings import CentralSettings

    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        assert (await running.client.put("/v1/products/TEE", json=PRODUCT_BODY)).status_code == 201
        await feed(running, "DC-NORTH", 53.6, 10.0, {"TEE": 5})   # Hamburg
        await feed(running, "DC-SOUTH", 48.1, 11.6, {"TEE": 5})   # Munich
        yield running


class TestTheDoor:
    async def test_a_one_line_address_is_refused_with_what_to_send_instead(self, central):
        response = await central.client.post("/v1/orders", json={**ship_order("Lange Reihe 50, Hamburg")})
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "validation_error" and "delivery.ship.address" in problem["detail"]
        assert "postal_code" in problem["detail"] and "one-line address" in problem["detail"]
        assert central.query("SELECT COUNT(*) FROM orders")[0][0] == 0

    async def test_an_unknown_country_and_a_control_character_are_refused_by_name(self, central):
        response = await central.client.post("/v1/orders", json=ship_order({**HAMBURG, "country": "XX"}))
        assert response.status_code == 422 and "country" in response.json()["detail"]
        response = await central.client.post("/v1/orders", json=ship_order({**HAMBURG, "name": "Jan\r\n^XZ"}))
        assert response.status_code == 422 and "control characters" in response.json()["detail"]
        assert central.query("SELECT COUNT(*) FROM orders")[0][0] == 0

    async def test_an_address_nothing_can_place_is_refused_naming_the_coordinates(self, central):
        antarctica = {**HAMBURG, "city": "McMurdo Station", "postal_code": "96599", "country": "AQ"}
        response = await central.client.post("/v1/orders", json=ship_order(antarctica))
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "address_not_located"
        assert problem["missing"] == ["delivery.address.lat", "delivery.address.lon"]
        assert "AQ" in problem["detail"]
        simulated = await central.client.post("/v1/routing/simulate", json={
            "lines": [{"sku": "TEE", "qty": 1}], "delivery": {"type": "ship", "address": antarctica}})
        assert simulated.status_code == 422 and simulated.json()["code"] == "address_not_located"
        with_point = await central.client.post("/v1/orders", json=ship_order({**antarctica, "lat": -77.8,
                                                                              "lon": 166.7}))
        assert with_point.status_code == 201, with_point.text


class TestRoutingWithoutCoordinates:
    async def test_the_country_centroid_places_the_order_and_the_order_says_so(self, central):
        response = await central.client.post("/v1/orders", json=ship_order(HAMBURG))
        assert response.status_code == 201, response.text
        order = response.json()
        lat, lon = country_centroid("DE")
        assert order["delivery"] == {"type": "ship", "address": HAMBURG, "lat": lat, "lon": lon,
                                     "located_by": "country_centroid"}
        # Germany's centroid (about 51°N 9°E) is nearer Hamburg's warehouse than Munich's.
        assert [a["node_id"] for a in order["allocations"]] == ["DC-NORTH"]

    async def test_the_callers_coordinates_decide_where_they_are_given(self, central):
        munich = {**HAMBURG, "line1": "Marienplatz 1", "city": "München", "postal_code": "80331", "lat": 48.137,
                  "lon": 11.575}
        order = (await central.client.post("/v1/orders", json=ship_order(munich))).json()
        assert order["delivery"]["located_by"] == "caller" and order["delivery"]["address"] == munich
        assert [a["node_id"] for a in order["allocations"]] == ["DC-SOUTH"]


def test_orders_stored_with_a_one_line_address_keep_it_as_line1_under_the_customers_name(tmp_path):
    before = Database(tmp_path / "central.db", MIGRATIONS[:MIGRATIONS.index(STRUCTURED_SHIP_TO)])
    with before.write() as conn:
        conn.execute("INSERT INTO orders (id, channel, customer, delivery, delivery_type, allow_split, status, "
                     "created_at, updated_at) VALUES ('ORD-OLD', 'web', ?, ?, 'ship', 1, 'in_fulfilment', 't', 't')",
                     (json.dumps({"name": "Ada"}),
                      json.dumps({"type": "ship", "address": "10 Downing St, London", "lat": 51.5, "lon": -0.12})))
        conn.execute("INSERT INTO command_outbox (store_id, cmd_seq, id, type, payload, created_at) "
                     "VALUES ('S1', 1, 'c1', 'fulfilment.assign', ?, 't')",
                     (json.dumps({"customer": {"name": "Ada"}, "ship_to": {"address": "10 Downing St, London",
                                                                           "lat": 51.5, "lon": -0.12}}),))
    before.close()
    after = Database(tmp_path / "central.db", MIGRATIONS)
    with after.read() as conn:
        delivery = json.loads(conn.execute("SELECT delivery FROM orders").fetchone()[0])
        payload = json.loads(conn.execute("SELECT payload FROM command_outbox").fetchone()[0])
    assert delivery == {"type": "ship", "address": {"name": "Ada", "line1": "10 Downing St, London"}, "lat": 51.5,
                        "lon": -0.12, "located_by": "caller"}
    assert payload["ship_to"] == {"name": "Ada", "line1": "10 Downing St, London", "lat": 51.5, "lon": -0.12}
