"""Store heartbeats (`omni.hb.<store>`, DESIGN §4), recorded with central's own clock.

A heartbeat from a store nobody registered is recorded too; the stores list shows it as unregistered.

Heartbeats that arrive while earlier ones are being written wait and are written together, in one transaction (a
store's latest only): a thousand stores beat 200 times a second, and one durable commit each would take the database
from ingest, orders and ATP for most of every second.
"""

import asyncio
import json
import logging
from datetime import datetime

from nats.aio.msg import Msg
from pydantic import ValidationError

from shared.contract import subjects
from shared.contract.events import Heartbeat
from shared.runtime.clock import to_text, utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


class HeartbeatRecorder:
    def __init__(self, db: Database, link: NatsLink):
        self._db, self._link = db, link
        self.received = 0
        self._waiting: dict[str, tuple[Heartbeat, datetime, int]] = {}  # store → latest, received at, how many
        self._writing: asyncio.Task | None = None

    async def subscribe(self) -> None:
        await self._link.nc.subscribe(subjects.HEARTBEATS_ALL, cb=self._on_message)

    async def _on_message(self, msg: Msg) -> None:
        try:
            store_id = subjects.store_of(msg.subject)
            heartbeat = Heartbeat.model_validate_json(msg.data)
        except (ValueError, ValidationError) as e:
            log.warning("unreadable heartbeat on %s: %s", msg.subject, e)
            return
        if heartbeat.store_id != store_id:
            log.warning("heartbeat on %s claims store %s: ignored", msg.subject, heartbeat.store_id)
            return
        earlier = self._waiting.get(store_id)
        self._waiting[store_id] = (heartbeat, utc_now(), earlier[2] + 1 if earlier else 1)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())

    async def _write_waiting(self) -> None:
        while self._waiting:
            beats, self._waiting = self._waiting, {}
            try:
                await asyncio.to_thread(self.record_many, {store: (beat, at) for store, (beat, at, _) in beats.items()})
            except Exception as e:  # the database refused: the next heartbeats will do
                log.warning("%d heartbeat(s) not recorded: %s", len(beats), e)
                continue
            self.received += sum(n for _, _, n in beats.values())

    def record(self, store_id: str, heartbeat: Heartbeat) -> None:
        self.record_many({store_id: (heartbeat, utc_now())})
        self.received += 1

    def record_many(self, beats: dict[str, tuple[Heartbeat, datetime]]) -> None:
        """Each store's heartbeat with the time central received it, in one transaction."""
        with self._db.write() as conn:
            for store_id, (heartbeat, now) in beats.items():
                _record(conn, store_id, heartbeat, now)


def _record(conn, store_id: str, heartbeat: Heartbeat, now: datetime) -> None:
    skew_ms = round((heartbeat.clock - now).total_seconds() * 1000)
    oldest = to_text(heartbeat.oldest_unsent_at) if heartbeat.oldest_unsent_at else None
    printers = json.dumps([p.model_dump() for p in heartbeat.printers])
    conn.execute(
        "INSERT INTO store_sync (store_id, last_heartbeat_at, hb_epoch, hb_last_seq, hb_backlog, "
        "hb_oldest_unsent_at, clock_skew_ms, version, printers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (store_id) DO UPDATE SET last_heartbeat_at=excluded.last_heartbeat_at, "
        "hb_epoch=excluded.hb_epoch, hb_last_seq=excluded.hb_last_seq, hb_backlog=excluded.hb_backlog, "
        "hb_oldest_unsent_at=excluded.hb_oldest_unsent_at, clock_skew_ms=excluded.clock_skew_ms, "
        "version=excluded.version, printers=excluded.printers",
        (store_id, to_text(now), heartbeat.epoch, heartbeat.last_seq, heartbeat.backlog, oldest, skew_ms,
         heartbeat.version, printers))
