"""Central's Ed25519 keys for receipt tokens, kept in SQLite (so the database file is a secret).

The first start makes a key; a rotation adds a new one, which signs from then on. Old keys are
kept and stay published, so every token ever issued still verifies at the stores.
"""

import secrets
import sqlite3
from datetime import datetime

from central.domain.pricing import Sale
from shared.contract.events import CatalogKeys
from shared.contract.receipt_tokens import new_keypair
from shared.runtime import receipt_tokens
from shared.runtime.clock import to_text


def _new_kid(now: datetime) -> str:
    """Short (it is in every token), sortable by day for a person, random so two rotations never clash."""
    return f"{now:%Y%m%d}-{secrets.token_hex(3)}"


def rotate(conn: sqlite3.Connection, now: datetime) -> str:
    """Make a new current key; the older ones stay for verifying. Returns the new key id."""
    private, public = new_keypair()
    kid = _new_kid(now)
    conn.execute("INSERT INTO signing_keys (kid, private_key, public_key, created_at) VALUES (?, ?, ?, ?)",
                 (kid, private, public, to_text(now)))
    return kid


def ensure_key(conn: sqlite3.Connection, now: datetime) -> str:
    """The current key id, making the first key when there is none."""
    row = conn.execute("SELECT kid FROM signing_keys ORDER BY n DESC LIMIT 1").fetchone()
    return row["kid"] if row else rotate(conn, now)


def current(conn: sqlite3.Connection) -> tuple[str, bytes]:
    """(key id, raw private key) of the key that signs now."""
    row = conn.execute("SELECT kid, private_key FROM signing_keys ORDER BY n DESC LIMIT 1").fetchone()
    if row is None:
        raise LookupError("central has no signing key yet")
    return row["kid"], bytes(row["private_key"])


def published(conn: sqlite3.Connection) -> CatalogKeys:
    """What `omni.catalog.keys` carries: every public key by id, and the current one."""
    rows = conn.execute("SELECT kid, public_key FROM signing_keys ORDER BY n").fetchall()
    return CatalogKeys(keys={r["kid"]: r["public_key"] for r in rows}, current=rows[-1]["kid"] if rows else None)


def listing(conn: sqlite3.Connection) -> dict:
    """`GET /v1/keys`: public keys only, newest first."""
    rows = conn.execute("SELECT kid, public_key, created_at FROM signing_keys ORDER BY n DESC").fetchall()
    current_kid = rows[0]["kid"] if rows else None
    return {"current": current_kid,
            "keys": [{"kid": r["kid"], "public_key": r["public_key"], "created_at": r["created_at"],
                      "current": r["kid"] == current_kid} for r in rows]}


def sign_receipt(conn: sqlite3.Connection, order_id: str, sale: Sale, now: datetime) -> str:
    """The order's receipt token, signed with central's current key."""
    kid, private_key = current(conn)
    claims = {"order_id": order_id, "currency": sale.currency, "lines": sale.lines, "total": sale.total,
              "paid": [{"tender": p["tender"], "amount": p["amount"]} for p in sale.paid],
              "issued_at": to_text(now)}
    return receipt_tokens.sign(claims, private_key, kid)
