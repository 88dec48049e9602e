"""Bearer tokens of the head-office API: the admin token from settings, more tokens in the database.

A token is shown once, when made; only its SHA-256 is stored, so a copied database reveals none.
"""

import hashlib
import hmac
import json
import secrets
import sqlite3
from datetime import datetime

from central.domain.errors import TokenNameTaken
from central.domain.scopes import Scope, grants
from shared.contract.errors import Forbidden, NotFound, Unauthorized
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database

TOKEN_PREFIX = "omni_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: sqlite3.Connection, name: str, scopes: list[Scope], now: datetime) -> str:
    if conn.execute("SELECT 1 FROM tokens WHERE name=? AND revoked_at IS NULL", (name,)).fetchone():
        raise TokenNameTaken(f"A token named {name!r} already exists; revoke it first or choose another name.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO tokens (hash, name, scopes, created_at) VALUES (?, ?, ?, ?)",
                 (token_hash(token), name, json.dumps(sorted(s.value for s in scopes)), to_text(now)))
    return token


def revoke_token(conn: sqlite3.Connection, name: str, now: datetime) -> None:
    changed = conn.execute("UPDATE tokens SET revoked_at=? WHERE name=? AND revoked_at IS NULL",
                           (to_text(now), name)).rowcount
    if not changed:
        raise NotFound(f"No active token is named {name!r}.")


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Send an Authorization: Bearer <token> header.")
    kind, _, token = authorization.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    return token.strip()


def scopes_of(conn: sqlite3.Connection, token: str, admin_token: str | None) -> set[Scope]:
    """The scopes a token carries; `Unauthorized` for a token nobody issued or a revoked one."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return {Scope.ADMIN}
    row = conn.execute("SELECT scopes FROM tokens WHERE hash=? AND revoked_at IS NULL", (token_hash(token),)).fetchone()
    if row is None:
        raise Unauthorized("The token is not valid (unknown or revoked); ask an administrator for a new one.")
    return {Scope(s) for s in json.loads(row["scopes"])}


def require(held: set[Scope], needed: Scope) -> None:
    if not grants(held, needed):
        raise Forbidden(f"This needs a token with the {needed.value!r} scope.", needed=needed.value)


class Tokens:
    """The API's tokens: made and revoked by an administrator, checked on every request."""

    def __init__(self, db: Database, admin_token: str | None):
        self._db, self._admin_token = db, admin_token

    def create(self, name: str, scopes: list[Scope], now: datetime) -> dict:
        """The new token, shown in this answer only."""
        with self._db.write() as conn:
            token = create_token(conn, name, scopes, now)
        return {"name": name, "scopes": sorted(s.value for s in set(scopes)), "token": token}

    def revoke(self, name: str, now: datetime) -> None:
        with self._db.write() as conn:
            revoke_token(conn, name, now)

    def check(self, authorization: str | None, needed: Scope) -> set[Scope]:
        """The scopes of the request's bearer token, when they grant `needed`; else Unauthorized or Forbidden."""
        token = bearer(authorization)
        with self._db.read() as conn:
            held = scopes_of(conn, token, self._admin_token)
        require(held, needed)
        return held
