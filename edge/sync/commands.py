"""Central's commands (`COMMANDS` stream, durable `edge-<store>`) into the store's inbox, each exactly once.

Recording is idempotent by command id, so a redelivery (an ack lost in a crash) inserts nothing.
Acting on the commands is the fulfilment module's job; this only makes sure none is lost. A command only a newer
release reads (an unknown type, a newer schema) is recorded too, marked as awaiting the upgrade, and acked: it is
kept in the inbox, not lost, and carried out when an upgraded agent starts.
"""

import asyncio
import json
import logging
from collections.abc import Callable

from nats.aio.msg import Msg

from edge.sync.consumer import ConsumerFollower
from edge.sync.context import SyncContext
from shared.contract import subjects
from shared.contract.events import (
    CommandEnvelope,
    NotUnderstood,
    Undeliverable,
    parse_command,
)
from shared.runtime.clock import to_text

log = logging.getLogger(__name__)


class CommandFollower:
    def __init__(self, ctx: SyncContext, carry_out: Callable[[], object] = lambda: None):
        self._ctx = ctx
        self._carry_out = carry_out  # applies what was recorded, after the acks
        # max_ack_pending=1 on the consumer: commands come one at a time, in cmd_seq order.
        self.follower = ConsumerFollower(ctx, subjects.COMMANDS_STREAM, subjects.command_consumer(ctx.store_id),
                                         1, self._handle)

    async def run(self) -> None:
        await self.follower.run()

    async def _handle(self, messages: list[Msg]) -> None:
        for msg in messages:
            reason = await asyncio.to_thread(self.record, msg.data, msg.metadata.sequence.stream)
            if reason is None:
                await msg.ack()
            else:
                log.error("command #%d is undeliverable and kept aside: %s", msg.metadata.sequence.stream, reason)
                await msg.term()
        await asyncio.to_thread(self._carry_out)

    def record(self, data: bytes, stream_seq: int) -> str | None:
        """Store the command (once); returns the reason when it can never be carried out."""
        ctx = self._ctx
        now = to_text(ctx.clock())
        awaiting = None  # why only a newer release can carry it out
        try:
            envelope, _ = parse_command(data)
        except NotUnderstood as e:
            envelope, awaiting = CommandEnvelope.model_validate_json(data), e.reason
        except Undeliverable as e:
            return self._undeliverable(data, stream_seq, now, e.reason)
        if envelope.store_id != ctx.store_id:
            return self._undeliverable(data, stream_seq, now,
                                       f"addressed to store {envelope.store_id}, not {ctx.store_id}")
        with ctx.db.write() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO commands (id, cmd_seq, type, payload, issued_at, received_at, schema, "
                "awaiting_upgrade) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (envelope.id, envelope.cmd_seq, envelope.type, json.dumps(envelope.payload),
                 to_text(envelope.issued_at), now, envelope.schema_version, awaiting))
        if inserted.rowcount and awaiting:
            log.warning("command %s #%d kept until this agent is upgraded: %s", envelope.type, envelope.cmd_seq,
                        awaiting)
        elif inserted.rowcount:
            log.info("command %s #%d recorded", envelope.type, envelope.cmd_seq)
        return None

    def _undeliverable(self, data: bytes, stream_seq: int, now: str, reason: str) -> str:
        with self._ctx.db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO commands (id, payload, received_at, undeliverable_reason) "
                         "VALUES (?, ?, ?, ?)", (f"stream-{stream_seq}", data.decode(errors="replace"), now, reason))
        return reason
