"""Webhooks over the real app: subscriptions, the outbox written with the status change, and delivery to
a receiver on loopback that is down at first and answers later (DESIGN §8)."""

import asyncio
import base64
import json
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError

from central.settings import CentralSettings
from shared.runtime.clock import to_text
from tests.conftest import free_port
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.waiting import eventually

LONDON = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}
SECRET = "whsec_" + base64.b64encode(b"5d1f0a9b3c7e4d2a-receiver-secret").decode()


class Receiver:
    """An HTTP receiver on loopback, started and stopped at will; it keeps every request it got."""

    def __init__(self, port: int):
        self.port, self.got = port, []
        self._server = self._task = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/omnistore"

    async def app(self, scope, receive, send):
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.got.append(({k.decode().lower(): v.decode() for k, v in scope["headers"]}, body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def start(self) -> None:
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, lifespan="off", interface="asgi3",
                                                     log_level="warning"))
        self._task = asyncio.create_task(self._server.serve())
        await eventually(lambda: self._server.started, what="receiver listening")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task


@asynccontextmanager
async def central_with_a_warehouse(tmp_path, **settings):
    """Central with TEE in stock at warehouse DC1. NATS is not needed (the warehouse serves the orders), so
    deliveries go out while central is offline from the hub, too."""
    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN, webhook_retry_base_s=0.1,
                               **settings)
    async with running_central(settings, with_nats=False) as running:
        assert (await running.client.put("/v1/products/TEE", json=PRODUCT_BODY)).status_code == 201
        body = {"type": "warehouse", "name": "DC1", "address": "Unit 1", "lat": 51.45, "lon": -0.3}
        assert (await running.client.put("/v1/nodes/DC1", json=body)).status_code == 201
        feed = {"as_of": to_text(datetime.now(timezone.utc) - timedelta(seconds=1)),
                "items": [{"sku": "TEE", "available": 10}]}
        assert (await running.client.put("/v1/nodes/DC1/stock", json=feed)).status_code == 200
        yield running


@pytest.fixture
async def central(tmp_path):
    # The receivers run on loopback: the setting that lets deliveries go there (never in production).
    async with central_with_a_warehouse(tmp_path, webhook_retry_cap_s=0.4, webhook_allow_private_urls=True) as running:
        yield running


async def place(central) -> dict:
    response = await central.client.post("/v1/orders", json={
        "channel": "web", "customer": {"name": "Ada"}, "lines": [{"sku": "TEE", "qty": 1}], "delivery": LONDON})
    assert response.status_code == 201
    return response.json()


class TestSubscriptions:
    async def test_a_subscription_without_a_secret_gets_one_shown_only_in_the_answer(self, central):
        response = await central.client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"})
        assert response.status_code == 201
        made = response.json()
        assert made["secret"].startswith("whsec_") and made["events"] is None
        Webhook(made["secret"])  # a standard library takes it as it is
        listed = (await central.client.get("/v1/webhooks")).json()["items"]
        assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
        assert "secret" not in (await central.client.get(f"/v1/webhooks/{made['id']}")).json()

    async def test_are_listed_page_by_page_as_every_other_list(self, central):
        made = [(await central.client.post("/v1/webhooks", json={"url": f"https://93.184.215.14/p{n}"})).json()["id"]
                for n in range(3)]
        first = (await central.client.get("/v1/webhooks", params={"limit": 2})).json()
        rest = (await central.client.get("/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert [w["id"] for w in first["items"] + rest["items"]] == sorted(made) and rest["next_cursor"] is None
        too_many = await central.client.get("/v1/webhooks", params={"limit": 1001})
        assert (too_many.status_code, too_many.json()["code"]) == (422, "validation_error")

    async def test_a_deleted_subscription_is_gone_and_a_second_delete_is_not_found(self, central):
        made = (await central.client.post("/v1/webhooks", json={"url": "https://93.184.215.14/h"})).json()
        assert (await central.client.delete(f"/v1/webhooks/{made['id']}")).status_code == 204
        assert (await central.client.get("/v1/webhooks")).json()["items"] == []
        again = await central.client.delete(f"/v1/webhooks/{made['id']}")
        assert (again.status_code, again.json()["code"]) == (404, "not_found")

    @pytest.mark.parametrize("body", [{"url": "ftp://example.com/x"}, {"url": "not a url"},
                                      {"url": "https://example.com/h", "events": ["shipped_to_mars"]},
                                      {"url": "https://example.com/h", "secret": "short"},
                                      {"url": "https://example.com/h", "secret": "x" * 40}])
    async def test_a_bad_subscription_is_refused_and_nothing_is_stored(self, central, body):
        response = await central.client.post("/v1/webhooks", json=body)
        assert response.status_code == 422 and response.json()["code"] in ("validation_error", "webhook_refused")
        assert central.query("SELECT COUNT(*) FROM webhooks")[0][0] == 0

    async def test_only_an_admin_may_manage_subscriptions(self, central):
        token = (await central.client.post("/v1/tokens", json={"name": "shop", "scopes": ["orders"]})).json()["token"]
        response = await central.client.get("/v1/webhooks", headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")

    async def test_a_status_change_writes_a_delivery_only_for_subscriptions_that_want_that_status(self, central):
        every = (await central.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/a"})).json()
        only = (await central.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/b",
                                                                "events": ["cancelled"]})).json()
        order = await place(central)
        rows = central.query("SELECT webhook_id, body FROM webhook_deliveries WHERE order_id=?", order["id"])
        assert [r[0] for r in rows] == [every["id"]]
        body = json.loads(rows[0][1])
        assert (body["type"], body["status"], body["previous"]) == ("order.status_changed", "in_fulfilment",
                                                                     "created")
        await central.client.post(f"/v1/orders/{order['id']}/cancel", json={})
        rows = central.query("SELECT webhook_id, body FROM webhook_deliveries WHERE order_id=? ORDER BY n",
                             order["id"])
        # The cancelled order's whole total falls due for refund: told to the subscription that takes everything.
        assert [(r[0], json.loads(r[1])["type"]) for r in rows] == [
            (every["id"], "order.status_changed"), (every["id"], "order.refund_due"),
            (every["id"], "order.status_changed"), (only["id"], "order.status_changed")]
        assert json.loads(rows[1][1])["amount"] == order["total"]


class TestDelivery:
    async def test_reaches_a_receiver_that_was_down_for_a_while_once_each_signed_and_in_order(self, central):
        receiver = Receiver(free_port())
        hook = (await central.client.post("/v1/webhooks", json={"url": receiver.url, "secret": SECRET})).json()
        order = await place(central)
        await central.client.post(f"/v1/orders/{order['id']}/cancel", json={"reason": "changed mind"})

        # Nobody listens yet: the first delivery is tried again and again, with growing waits.
        await eventually(lambda: central.query("SELECT MAX(attempts) FROM webhook_deliveries")[0][0] >= 3,
                         what="failed attempts")
        view = (await central.client.get(f"/v1/webhooks/{hook['id']}")).json()
        assert view["waiting"] == 3 and view["attempts"] >= 3 and "Connect" in view["last_error"]

        await receiver.start()
        try:
            await eventually(lambda: len(receiver.got) >= 3, what="every delivery received")
            await eventually(lambda: central.query("SELECT COUNT(*) FROM webhook_deliveries "
                                                   "WHERE delivered_at IS NULL")[0][0] == 0,
                             what="deliveries marked delivered")
            assert (await central.client.get(f"/v1/webhooks/{hook['id']}")).json()["waiting"] == 0
        finally:
            await receiver.stop()

        delivery_ids = [headers["x-omnistore-delivery"] for headers, _ in receiver.got]
        assert len(delivery_ids) == len(set(delivery_ids)) == 3  # each delivery arrived once
        statuses = []
        for headers, body in receiver.got:
            # What a receiver does with a Standard Webhooks library: verify the bytes as received.
            Webhook(SECRET).verify(body, headers)
            assert headers["webhook-id"] == headers["x-omnistore-delivery"]
            assert headers["content-type"] == "application/json"
            # A captured delivery replayed later is refused: its signed timestamp is too old.
            replayed = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 600)}
            with pytest.raises(WebhookVerificationError):
                Webhook(SECRET).verify(body, replayed)
            payload = json.loads(body)
            assert payload["delivery_id"] == headers["x-omnistore-delivery"]
            assert payload["order_id"] == order["id"]
            statuses.append(payload.get("status") or payload["type"])
        assert statuses == ["in_fulfilment", "order.refund_due", "cancelled"]

    async def test_a_receiver_answering_an_error_is_tried_again_until_it_answers_2xx(self, central):
        failures = {"left": 2}
        got = []

        async def flaky(scope, receive, send):
            message = await receive()
            got.append(message.get("body", b""))
            status = 503 if failures["left"] > 0 else 200
            failures["left"] -= 1
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        receiver = Receiver(free_port())
        receiver.app = flaky
        await receiver.start()
        try:
            await central.client.post("/v1/webhooks", json={"url": receiver.url, "events": ["in_fulfilment"]})
            await place(central)
            await eventually(lambda: central.query("SELECT delivered_at FROM webhook_deliveries")[0][0],
                             what="delivered after two 503s")
        finally:
            await receiver.stop()
        assert len(got) == 3 and len(set(got)) == 1  # the same body each time
        assert tuple(central.query("SELECT attempts, last_error FROM webhook_deliveries")[0]) == (3, None)


@pytest.fixture
async def guarded(tmp_path):
    """Central as in production: deliveries only to https URLs of public hosts."""
    async with central_with_a_warehouse(tmp_path, webhook_retry_cap_s=0.2) as running:
        yield running


class TestWhereDeliveriesGo:
    @pytest.mark.parametrize("url", ["http://93.184.215.14/h", "https://127.0.0.1/h", "https://localhost/h",
                                     "https://[::1]/h", "https://10.0.0.8/h", "https://169.254.169.254/latest",
                                     "https://0x7f000001/h", "https://2130706433/h",
                                     "https://admin:pw@93.184.215.14/h"])
    async def test_plain_http_inner_hosts_and_credentials_are_refused_and_nothing_is_stored(self, guarded, url):
        response = await guarded.client.post("/v1/webhooks", json={"url": url})
        assert (response.status_code, response.json()["code"]) == (422, "webhook_refused"), response.text
        assert guarded.query("SELECT COUNT(*) FROM webhooks")[0][0] == 0

    async def test_a_name_that_points_inside_the_network_at_delivery_time_is_not_sent_to(self, guarded):
        # Public when the subscription is made, loopback when a delivery is due (DNS rebinding).
        guarded.service.webhooks._resolve = lambda url: ["93.184.215.14"]

        async def inside(url: str) -> list[str]:
            return ["127.0.0.1"]

        guarded.service.webhook_dispatcher._resolve = inside
        made = await guarded.client.post("/v1/webhooks", json={"url": "https://hooks.example.com/h"})
        assert made.status_code == 201, made.text
        await place(guarded)
        await eventually(lambda: (guarded.query("SELECT last_error FROM webhook_deliveries")[0][0] or "")
                         .startswith("not sent"), what="the delivery refused before sending")
        assert "127.0.0.1" in guarded.query("SELECT last_error FROM webhook_deliveries")[0][0]
        assert guarded.query("SELECT delivered_at FROM webhook_deliveries")[0][0] is None

    async def test_a_delivery_goes_to_the_address_that_was_checked_with_the_name_as_host(self, central):
        receiver = Receiver(free_port())
        await receiver.start()

        async def checked(url: str) -> list[str]:
            return ["127.0.0.1"]  # what the name resolved to when it was checked; the name itself is not in any DNS

        central.service.webhook_dispatcher._resolve = checked
        central.service.webhooks._resolve = lambda url: ["127.0.0.1"]
        try:
            made = await central.client.post("/v1/webhooks", json={
                "url": f"http://hooks.omnistore.invalid:{receiver.port}/hooks/omnistore", "secret": SECRET})
            assert made.status_code == 201, made.text
            await place(central)
            await eventually(lambda: receiver.got, what="the delivery at the checked address")
        finally:
            await receiver.stop()
        headers, body = receiver.got[0]
        assert headers["host"] == f"hooks.omnistore.invalid:{receiver.port}"
        Webhook(SECRET).verify(body, headers)
