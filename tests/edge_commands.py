"""Central's commands handed to a store agent running without NATS, as its command follower would apply them."""

import json

from edge.services.commands import CommandInbox
from shared.runtime.clock import utc_now
from shared.runtime.ids import uuid7


def deliver_to(edge, type_: str, payload: dict) -> None:
    """Into the agent's inbox with the next `cmd_seq`, then carried out (`edge` is the app's `state.edge`)."""
    now = utc_now()
    with edge.db.write() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(cmd_seq), 0) + 1 FROM commands").fetchone()[0]
        conn.execute("INSERT INTO commands (id, cmd_seq, type, payload, issued_at, received_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (uuid7(), seq, type_, json.dumps(payload), now.isoformat(),
                                                   now.isoformat()))
    CommandInbox(edge.db, edge.fulfilments, edge.spool.wake, edge.transfers).apply_pending(now)
