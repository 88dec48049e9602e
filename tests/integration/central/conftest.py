"""Central running for real: its app and loops on the test's event loop, a tmp_path database, the
test file's nats-server; stores are played by NATS links with each store's own identity."""

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
import pytest

from central.api.app import create_app
from central.bootstrap import CentralService
from central.settings import CentralSettings
from shared.contract import subjects
from shared.contract.events import EventEnvelope, Heartbeat
from shared.runtime.ids import uuid7
from shared.runtime.nats_link import NatsLink

ADMIN_TOKEN = "test-admin-7f3a9c2e51b84d06"



@dataclass
class RunningCentral:
    service: CentralService
    client: httpx.AsyncClient

    def query(self, sql: str, *params) -> list:
        with self.service.db.read() as conn:
            return conn.execute(sql, params).fetchall()

    def applied_seq(self, store_id: str) -> int:
        rows = self.query("SELECT applied_seq FROM store_sync WHERE store_id=?", store_id)
        return rows[0][0] if rows else 0

    def level(self, store_id: str, sku: str) -> tuple | None:
        rows = self.query("SELECT on_hand, reserved, damaged FROM levels WHERE node_id=? AND sku=?", store_id, sku)
        return tuple(rows[0]) if rows else None


@asynccontextmanager
async def running_central(settings: CentralSettings, wait_ready: bool = True, with_nats: bool = True):
    """Central's app and loops; `with_nats=False` starts no NATS link at all (API, orders and routing only)."""
    app = create_app(settings, with_nats=with_nats)
    async with app.router.lifespan_context(app):
        service: CentralService = app.state.service
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://central",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
            if wait_ready and with_nats:
                await asyncio.wait_for(service.ready.wait(), 20)
            yield RunningCentral(service, client)



@asynccontextmanager
async def central_with_a_dc(tmp_path, stores: tuple[str, ...] = ()):
    """Central without NATS, products TEE and HAT, warehouse DC1 near London holding 10 TEE, and `stores` registered."""
    from tests.integration.central.test_orders_api import (
        feed,  # that file imports this one
    )

    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        for sku in ("TEE", "HAT"):
            assert (await running.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        for store_id in stores:
            assert (await running.client.put(f"/v1/stores/{store_id}", json={**STORE_BODY, "name": store_id})
                    ).status_code == 201
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 10})
        yield running

@pytest.fixture
def make_settings(tmp_path, nats_up):
    def make(**overrides) -> CentralSettings:
        values = {"db_path": tmp_path / "central.db", "nats_url": nats_up.url,
                  "nats_password": nats_up.password("central"), "admin_token": ADMIN_TOKEN, "ack_interval_s": 0.5}
        values.update(overrides)
        return CentralSettings(**values)

    return make


@asynccontextmanager
async def store_link(nats, store_id: str):
    link = NatsLink([nats.url], user=store_id, password=nats.password(store_id),
                    inbox_prefix=subjects.store_inbox_prefix(store_id), name=f"test-store-{store_id}")
    link.start()
    assert await link.wait_online(10)
    try:
        yield link
    finally:
        await link.close()


@dataclass
class StoreEmitter:
    """Publishes events exactly as a store's outbox would: its own subject, `Nats-Msg-Id` = store:event id."""

    link: NatsLink
    store_id: str
    epoch: str = field(default_factory=uuid7)

    def event(self, seq: int, type_: str, payload: dict) -> EventEnvelope:
        return EventEnvelope(id=uuid7(), type=type_, store_id=self.store_id, epoch=self.epoch, seq=seq,
                             occurred_at=datetime.now(timezone.utc), actor="system", payload=payload)

    async def publish(self, envelope: EventEnvelope, msg_id: str | None = None) -> None:
        await self.link.js.publish(subjects.events(self.store_id), envelope.to_bytes(), timeout=5,
                                   stream=subjects.EVENTS_STREAM,
                                   headers={"Nats-Msg-Id": msg_id or subjects.msg_id(self.store_id, envelope.id)})

    async def emit(self, seq: int, type_: str, payload: dict) -> EventEnvelope:
        envelope = self.event(seq, type_, payload)
        await self.publish(envelope)
        return envelope

    async def received(self, seq: int, sku: str, qty: int, on_hand: int, reserved: int = 0) -> EventEnvelope:
        return await self.emit(seq, "stock.received", {
            "sku": sku, "qty": qty, "reference": f"PO-{seq}",
            "stock": [{"sku": sku, "on_hand": on_hand, "reserved": reserved, "damaged": 0}]})

    async def snapshot(self, seq: int, levels: dict[str, int], chunk: int = 1, chunks: int = 1) -> EventEnvelope:
        return await self.emit(seq, "stock.snapshot", {
            "chunk": chunk, "chunks": chunks,
            "levels": [{"sku": s, "on_hand": q, "reserved": 0, "damaged": 0} for s, q in levels.items()]})

    async def heartbeat(self, last_seq: int, epoch: str | None = None) -> None:
        beat = Heartbeat(store_id=self.store_id, epoch=epoch or self.epoch, last_seq=last_seq, backlog=0,
                         clock=datetime.now(timezone.utc), version="test")
        await self.link.nc.publish(subjects.heartbeat(self.store_id), beat.model_dump_json().encode())
        await self.link.nc.flush()


STORE_BODY = {"name": "Test store", "address": "1 High Street", "lat": 51.5, "lon": -0.12}
PRODUCT_BODY = {"name": "Red tee, M", "price": 1999, "currency": "EUR", "tax_rate_bp": 2000}
