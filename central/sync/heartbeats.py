"""Store heartbeats (`omni.hb.<store>`, DESIGN §4), recorded with central's own clock.

A heartbeat from a store nobody registered is recorded too; the stores list shows it as unregistered.
"""

import asyncio
import json
import logging

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
        await asyncio.to_thread(self.record, store_id, heartbeat)

    def record(self, store_id: str, heartbeat: Heartbeat) -> None:
        now = utc_now()
        skew_ms = round((heartbeat.clock - now).total_seconds() * 1000)
        oldest = to_text(heartbeat.oldest_unsent_at) if heartbeat.oldest_unsent_at else None
        printers = json.dumps([p.model_dump() for p in heartbeat.printers])
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO store_sync (store_id, last_heartbeat_at, hb_epoch, hb_last_seq, hb_backlog, "
                "hb_oldest_unsent_at, clock_skew_ms, version, printers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (store_id) DO UPDATE SET last_heartbeat_at=excluded.last_heartbeat_at, "
                "hb_epoch=excluded.hb_epoch, hb_last_seq=excluded.hb_last_seq, hb_backlog=excluded.hb_backlog, "
                "hb_oldest_unsent_at=excluded.hb_oldest_unsent_at, clock_skew_ms=excluded.clock_skew_ms, "
                "version=excluded.version, printers=excluded.printers",
                (store_id, to_text(now), heartbeat.epoch, heartbeat.last_seq, heartbeat.backlog, oldest, skew_ms,
                 heartbeat.version, printers))
        self.received += 1
