"""`Idempotency-Key` for every creating POST (DESIGN §8), stored beside the data it protects.

The key is claimed and its answer recorded inside the same transaction as the change, so a
crash leaves either both or neither: a retry after a timeout replays the answer, never the change.
"""

import hashlib
import json
import sqlite3
from collections.abc import Callable

from shared.contract.errors import IdempotencyMismatch
from shared.runtime.clock import now_text

CREATED = 201  # the HTTP answer recorded for a request that created something, given again on every replay

MIGRATION = """
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
"""


def for_caller(caller: str, key: str | None) -> str | None:
    """The key as stored: a key belongs to the caller that sent it, so another caller sending the same key never
    gets the first one's answer (an order with its pickup code, a receipt)."""
    return f"{caller}/{key}" if key else None


# Made once: `json.dumps` with options builds a new encoder for every call. The same text as
# `json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)` (a stored hash must keep matching).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
_ANSWER = json.JSONEncoder(default=str)


def request_hash(body: object) -> str:
    return hashlib.sha256(_CANONICAL.encode(body).encode()).hexdigest()


def replay(conn: sqlite3.Connection, scope: str, key: str | None, body: object) -> tuple[int, dict] | None:
    """The recorded answer for this key and body; `IdempotencyMismatch` when the key came with another body."""
    if not key:
        return None
    row = conn.execute("SELECT request_hash, status, response FROM idempotency_keys WHERE scope=? AND key=?",
                       (scope, key)).fetchone()
    if row is None:
        return None
    if row["request_hash"] != request_hash(body):
        raise IdempotencyMismatch(
            "This Idempotency-Key was already used for a different request; use a new key for a new action.")
    return row["status"], json.loads(row["response"])


def record(conn: sqlite3.Connection, scope: str, key: str | None, body: object, status: int, response: dict, *,
           response_json: str | None = None) -> None:
    """Remember the answer; call inside the transaction that made the change. `response_json`: the answer's JSON
    when the caller has written it already (as `json.dumps(response)` would)."""
    if not key:
        return
    conn.execute("INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (scope, key, request_hash(body), status,
                  _ANSWER.encode(response) if response_json is None else response_json, now_text()))


def once(conn: sqlite3.Connection, scope: str, key: str | None, body: object, status: int,
         make: Callable[[], dict] | Callable[[], tuple[dict, str]], *, written: bool = False) -> tuple[int, dict, bool]:
    """Inside the caller's write transaction: the answer already recorded for this key and body, or `make()`'s
    answer, recorded with the change it made, so a retried request is carried out once. The flag says whether
    `make()` ran (a change to publish) or the answer is a replay. `written`: `make()` gives the answer with its
    JSON, written already (a sale keeps it as its receipt's body), which the key's record takes as it is."""
    replayed = replay(conn, scope, key, body)
    if replayed is not None:
        return (*replayed, False)
    response, response_json = make() if written else (make(), None)
    record(conn, scope, key, body, status, response, response_json=response_json)
    return status, response, True
