"""Commands of a newer central at a store of this release (DESIGN §12, docs/upgrades.md), over a real nats-server:
fields the store does not know are ignored; a command of a type or schema it does not read is kept in its inbox
(acked, not lost, not holding the commands after it) and carried out once, by the upgraded agent."""

import json
from datetime import datetime, timezone

from edge.services import commands as inbox_module
from shared.contract import events, subjects
from shared.contract.events import CommandEnvelope, Lenient
from shared.runtime.ids import uuid7
from tests.integration.edge.conftest import (
    create_store_consumers,
    running_edge,
    store_settings,
)
from tests.waiting import eventually

STORE = "S003"


class StoreNotice(Lenient):
    """A command type of a later release: a message for the store's staff."""

    text: str


def newer(cmd_seq: int, type_: str, payload: dict, schema: int = 1, **envelope_extra) -> bytes:
    wire = json.loads(CommandEnvelope(id=uuid7(), type=type_, store_id=STORE, cmd_seq=cmd_seq,
                                      issued_at=datetime.now(timezone.utc), payload=payload).to_bytes())
    return json.dumps({**wire, "schema": schema, **envelope_extra}).encode()


def inbox(app) -> dict[int, dict]:
    with app.state.edge.db.read() as conn:
        return {r["cmd_seq"]: dict(r) for r in conn.execute("SELECT * FROM commands WHERE cmd_seq IS NOT NULL")}


async def consumer_idle(js) -> bool:
    info = await js.consumer_info(subjects.COMMANDS_STREAM, subjects.command_consumer(STORE))
    return info.num_pending == 0 and info.num_ack_pending == 0


def snapshots(app) -> int:
    with app.state.edge.db.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE type='stock.snapshot'").fetchone()[0]


async def test_a_newer_centrals_commands_apply_and_what_the_store_cannot_read_yet_waits_for_its_upgrade(
        tmp_path, nats_up, central_nats, monkeypatch):
    await create_store_consumers(central_nats.js, STORE)
    settings = store_settings(tmp_path, nats_up, STORE)
    sent = [newer(1, "store.notice", {"text": "Inventory count on Sunday"}),
            newer(2, "fulfilment.cancel", {"allocation_id": uuid7(), "order_id": "O-1", "reason": "customer",
                                           "refund_hint": "card"}, trace_id="t-1"),
            newer(3, "sync.snapshot", {"only_skus": ["MUG-01"]}, schema=2)]
    async with running_edge(settings) as (app, http):
        before = snapshots(app)
        for data in sent:
            await central_nats.js.publish(subjects.commands(STORE), data, stream=subjects.COMMANDS_STREAM)
        await eventually(lambda: inbox(app).get(2, {}).get("applied_at") is not None, what="command 2 carried out")
        await eventually(lambda: consumer_idle(central_nats.js), what="every command acknowledged")
        kept = inbox(app)
        assert kept[1]["awaiting_upgrade"] and "store.notice" in kept[1]["awaiting_upgrade"]
        assert kept[3]["awaiting_upgrade"] and "schema 2" in kept[3]["awaiting_upgrade"]
        assert kept[1]["applied_at"] is None and kept[3]["applied_at"] is None
        assert not any(row["undeliverable_reason"] for row in kept.values())
        assert snapshots(app) == before

    # The upgrade: the notice type is known and handled, and schema 2 is read.
    noted: list[str] = []

    def notice(fulfilments, conn, payload, cmd_seq, now) -> str:
        noted.append(payload.text)
        return f"notice shown: {payload.text}"

    monkeypatch.setitem(events.COMMAND_PAYLOADS, "store.notice", StoreNotice)
    monkeypatch.setitem(inbox_module.HANDLERS, "store.notice", notice)
    monkeypatch.setattr(events, "SCHEMA", 2)
    async with running_edge(settings) as (app, http):
        await eventually(lambda: all(r["applied_at"] for r in inbox(app).values()), what="kept commands carried out")
        done = inbox(app)
        assert done[1]["outcome"] == "notice shown: Inventory count on Sunday"
        assert done[3]["outcome"].startswith("snapshot sent") and snapshots(app) == before + 1
        assert not any(row["awaiting_upgrade"] for row in done.values())
    async with running_edge(settings) as (app, http):  # once: a second start carries out nothing again
        assert inbox(app) == done
    assert noted == ["Inventory count on Sunday"]
