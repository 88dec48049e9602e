"""Central's watermark prunes the outbox; the store's heartbeat tells central where it stands."""

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

from shared.contract import subjects
from shared.contract.events import AppliedWatermark, Heartbeat
from shared.runtime.clock import to_text
from tests.integration.edge.conftest import (
    add_products,
    running_edge,
    store_settings,
)
from tests.waiting import eventually

STORE = "S003"


async def status(http) -> dict:
    return (await http.get("/v1/sync/status")).json()


def outbox_seqs(app) -> list[int]:
    with app.state.edge.db.read() as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]


class TestWatermark:
    async def test_a_watermark_advances_applied_seq_and_prunes_only_old_sent_rows(self, tmp_path, nats_up,
                                                                                central_nats):
        settings = store_settings(tmp_path, nats_up, STORE, retain_days=7)
        sku = f"WM-{uuid.uuid4().hex[:8]}"
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            for _ in range(3):
                await http.post("/v1/stock/receive", json={"sku": sku, "qty": 1, "reference": "DEL-1"})
            current = await eventually(lambda: _sent(http, 4), what="events sent")
            with app.state.edge.db.write() as conn:  # all but seq 2 happened long ago
                conn.execute("UPDATE outbox SET occurred_at = ? WHERE seq != 2",
                             (to_text(datetime.now(timezone.utc) - timedelta(days=8)),))
            nc = central_nats.nc
            # Another epoch's watermark must be ignored: applied, it would prune seq 3 and 4 for good.
            other_epoch = AppliedWatermark(epoch="another-epoch", applied_seq=4)
            await nc.publish(subjects.applied_ack(STORE), other_epoch.model_dump_json().encode())
            ours = AppliedWatermark(epoch=current["epoch"], applied_seq=2)
            await nc.publish(subjects.applied_ack(STORE), ours.model_dump_json().encode())
            await eventually(lambda: _applied(http, 2), what="applied_seq advanced")
            assert outbox_seqs(app) == [2, 3, 4]  # 1 pruned; 2 applied but recent; 3 and 4 not applied yet


async def _sent(http, last_seq: int) -> dict | None:
    current = await status(http)
    return current if current["backlog"] == 0 and current["last_acked_seq"] == last_seq else None


async def _applied(http, seq: int) -> bool:
    return (await status(http))["applied_seq"] == seq


class TestHeartbeat:
    async def test_the_heartbeat_says_what_the_store_has_written_and_not_yet_sent_and_how_its_printers_are(
            self, tmp_path, nats_up, central_nats):
        settings = store_settings(tmp_path, nats_up, STORE, heartbeat_interval_s=0.2, print_dir=tmp_path / "prints")
        beats: asyncio.Queue[Heartbeat] = asyncio.Queue()

        async def on_beat(msg):
            await beats.put(Heartbeat.model_validate_json(msg.data))

        sub = await central_nats.nc.subscribe(subjects.heartbeat(STORE), cb=on_beat)
        try:
            async with running_edge(settings) as (app, http):
                current = await eventually(lambda: _sent(http, 1), what="opening snapshot sent")
                beat = await asyncio.wait_for(beats.get(), 30)
                while beat.last_seq < 1 or beat.backlog:
                    beat = await asyncio.wait_for(beats.get(), 30)
        finally:
            await sub.unsubscribe()
        assert (beat.store_id, beat.epoch, beat.last_seq, beat.backlog) == (STORE, current["epoch"], 1, 0)
        assert beat.oldest_unsent_at is None and beat.version
        assert [(p.name, p.state) for p in beat.printers] == [("counter", "ok"), ("labels", "ok")]
        assert abs((beat.clock - datetime.now(timezone.utc)).total_seconds()) < 60

    async def test_the_first_heartbeat_goes_out_as_soon_as_the_link_is_up(self, tmp_path, nats_up, central_nats):
        settings = store_settings(tmp_path, nats_up, STORE, heartbeat_interval_s=120)
        beats: asyncio.Queue[Heartbeat] = asyncio.Queue()

        async def on_beat(msg):
            await beats.put(Heartbeat.model_validate_json(msg.data))

        sub = await central_nats.nc.subscribe(subjects.heartbeat(STORE), cb=on_beat)
        try:
            async with running_edge(settings):
                # Far sooner than the 120 s interval: central must not wait a whole interval to see the store.
                beat = await asyncio.wait_for(beats.get(), 30)
        finally:
            await sub.unsubscribe()
        assert beat.store_id == STORE
