"""The routing policy kept in SQLite (one row) and marked for publishing on `omni.catalog.policy`.

Until someone sets one, the policy is the defaults with `stale_after_s` from the settings; once set,
the stored policy wins (its `stale_after_s` also becomes the service's freshness limit).
"""

import json
import logging
import sqlite3
from datetime import datetime

from pydantic import ValidationError

from central.domain.policy import RoutingPolicy
from shared.runtime.clock import to_text
from shared.runtime.sqlite import tables

log = logging.getLogger(__name__)


def load(conn: sqlite3.Connection, default_stale_after_s: float) -> tuple[RoutingPolicy, bool]:
    """The current policy, and whether it was ever set (False: defaults)."""
    row = conn.execute("SELECT policy FROM routing_policy WHERE id=1").fetchone()
    if row is None:
        return RoutingPolicy(stale_after_s=default_stale_after_s), False
    try:
        return RoutingPolicy.model_validate_json(row["policy"]), True
    except ValidationError as e:
        # Stored before its values had ranges (an infinite cost, a hold of a billion days): routing could not work
        # with it, so central starts on the defaults until an administrator sets a policy again.
        log.error("the stored routing policy is out of range and is not used (defaults instead; set it again "
                  "with PUT /v1/routing/policy): %s", e)
        return RoutingPolicy(stale_after_s=default_stale_after_s), False


def save(conn: sqlite3.Connection, policy: RoutingPolicy, now: datetime) -> None:
    tables(conn)["routing_policy"].upsert({"id": 1, "policy": policy.model_dump_json(), "updated_at": to_text(now),
                                           "published_at": None}, pk="id")


def ever_set(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM routing_policy").fetchone() is not None


def unpublished(conn: sqlite3.Connection) -> tuple[dict, str] | None:
    """The stored policy (as published) and its version, when it is not on CATALOG yet."""
    row = conn.execute("SELECT policy, updated_at FROM routing_policy WHERE id=1 AND published_at IS NULL").fetchone()
    return (json.loads(row["policy"]), row["updated_at"]) if row else None


def mark_published(conn: sqlite3.Connection, version: str, now: datetime) -> None:
    conn.execute("UPDATE routing_policy SET published_at=? WHERE id=1 AND updated_at=?", (to_text(now), version))
