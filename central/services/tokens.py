"""Bearer tokens of the head-office API: the admin token from settings, more tokens in the database.

A token is shown once, when made; only its SHA-256 is stored, so a copied database reveals none.
"""

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from central.domain.errors import TokenNameTaken
from central.domain.scopes import Scope, grants
from shared.contract.errors import Forbidden, NotFound, Unauthorized
from shared.runtime.clock import from_text, to_text, utc_now
from shared.runtime.sqlite import Database

TOKEN_PREFIX = "omni_"
# A token's last use is written at most this often (seconds): a busy client costs one small write a minute.
USE_NOTED_EVERY_S = 60.0


@dataclass(frozen=True)
class TokenListing:
    """A token as an administrator sees it: never the token nor its hash."""

    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


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


def list_tokens(conn: sqlite3.Connection) -> list[TokenListing]:
    """Every token made, revoked ones too, oldest first."""
    return [TokenListing(r["name"], json.loads(r["scopes"]), from_text(r["created_at"]),
                         from_text(r["last_used_at"]) if r["last_used_at"] else None,
                         from_text(r["revoked_at"]) if r["revoked_at"] else None)
            for r in conn.execute("SELECT name, scopes, created_at, last_used_at, revoked_at FROM tokens "
                                  "ORDER BY created_at, name")]


def note_use(conn: sqlite3.Connection, digest: str, now: datetime) -> None:
    conn.execute("UPDATE tokens SET last_used_at=? WHERE hash=?", (to_text(now), digest))


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Send an Authorization: Bearer <token> header.")
    kind, _, token = authorization.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    return token.strip()


def is_settings_admin(token: str, admin_token: str | None) -> bool:
    """The admin token of central's settings (it is not in the table)."""
    return bool(admin_token) and hmac.compare_digest(token.encode(), admin_token.encode())


def scopes_of(conn: sqlite3.Connection, token: str, admin_token: str | None) -> set[Scope]:
    """The scopes a token carries; `Unauthorized` for a token nobody issued or a revoked one."""
    if is_settings_admin(token, admin_token):
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
        self._noted: dict[str, float] = {}  # token hash → when its use was last written (monotonic seconds)
        self._noting = threading.Lock()

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
        if not is_settings_admin(token, self._admin_token):
            self._note_use(token_hash(token))
        require(held, needed)
        return held

    def _note_use(self, digest: str) -> None:
        """Remember that a token of the table was used, to the minute."""
        with self._noting:
            last = self._noted.get(digest)
            if last is not None and time.monotonic() - last < USE_NOTED_EVERY_S:
                return
            self._noted[digest] = time.monotonic()
        with self._db.write() as conn:
            note_use(conn, digest, utc_now())
