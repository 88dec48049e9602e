"""Associates and their sessions: PINs kept only as slow salted hashes, bearer tokens only as SHA-256."""

import base64
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import Field, field_validator

from edge.domain.access import Attempts, PinRuleBroken, check_pin_format, session_live
from shared.contract.errors import ManagerRequired, TooManyAttempts, Unauthorized
from shared.contract.models import Role, Strict
from shared.runtime.clock import from_text, to_text
from shared.runtime.sqlite import Database

# scrypt at n=2**14, r=8 costs ~16 MiB and tens of milliseconds: cheap for a sign-in, slow for a guesser.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOUCH_EVERY = timedelta(seconds=10)
WRONG_SIGN_IN = "That associate id and PIN do not match; check both and try again."


class AssociateIn(Strict):
    """One associate as `associates add` reads them."""

    id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    pin: str = Field(repr=False)
    role: Role = Role.ASSOCIATE

    @field_validator("pin")
    @classmethod
    def _pin_format(cls, pin: str) -> str:
        try:
            check_pin_format(pin)
        except PinRuleBroken as e:
            raise ValueError(str(e)) from e
        return pin


class ManagerApproval(Strict):
    """`manager: {id, pin}` in a body: a manager approving this one request at the counter."""

    id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=16, repr=False)


@dataclass(frozen=True)
class Associate:
    id: str
    name: str
    role: Role

    def public(self) -> dict:
        return {"id": self.id, "name": self.name, "role": str(self.role)}


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_pin(pin: str, encoded: str) -> bool:
    _, n, r, p, salt, digest = encoded.split("$")
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(expected))
    return hmac.compare_digest(actual, expected)


# Verified against when the id is unknown, so an unknown id costs the same time as a wrong PIN.
_NOBODY = hash_pin("0000", salt=b"\0" * 16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def save_associates(db: Database, associates: list[AssociateIn], now: datetime) -> None:
    """Add or update associates (an existing id gets the new name, role and PIN, and is unlocked)."""
    hashed = [(a, hash_pin(a.pin)) for a in associates]
    with db.write() as conn:
        for associate, pin_hash in hashed:
            conn.execute("INSERT INTO associates (id, name, role, pin_hash, updated_at) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, "
                         "pin_hash = excluded.pin_hash, failed_attempts = 0, locked_until = NULL, "
                         "updated_at = excluded.updated_at",
                         (associate.id, associate.name, str(associate.role), pin_hash, to_text(now)))


def list_associates(db: Database) -> list[Associate]:
    with db.read() as conn:
        rows = conn.execute("SELECT id, name, role FROM associates ORDER BY id").fetchall()
    return [Associate(r["id"], r["name"], Role(r["role"])) for r in rows]


def _attempts(row: sqlite3.Row) -> Attempts:
    locked = from_text(row["locked_until"]) if row["locked_until"] else None
    return Attempts(failed=row["failed_attempts"], locked_until=locked)


class Sessions:
    """Signing in with id + PIN, and recognising the bearer token afterwards."""

    def __init__(self, db: Database, idle: timedelta):
        self._db = db
        self.idle = idle

    def login(self, associate_id: str, pin: str, now: datetime) -> dict:
        associate = self._check_pin(associate_id, pin, now)
        if associate is None:
            raise Unauthorized(WRONG_SIGN_IN)
        token = secrets.token_urlsafe(32)
        with self._db.write() as conn:
            conn.execute("INSERT INTO sessions (token_hash, associate_id, created_at, last_used_at) "
                         "VALUES (?, ?, ?, ?)", (token_hash(token), associate.id, to_text(now), to_text(now)))
        return {"token": token, "associate": associate.public(), "expires_after_idle_s": int(self.idle.total_seconds())}

    def approve(self, manager: ManagerApproval | None, signed_in: Associate, now: datetime, what: str) -> Associate:
        """The manager who approves `what`: the signed-in associate when a manager, else the one in the body.

        The PIN in the body is checked like a sign-in (same lockout); wrong or missing → `ManagerRequired`.
        """
        if manager is None:
            if signed_in.role is Role.MANAGER:
                return signed_in
            raise ManagerRequired(f"{what} needs a manager's approval: add \"manager\": {{\"id\", \"pin\"}} "
                                  "to the request, or ask a manager to do it.")
        approver = self._check_pin(manager.id, manager.pin, now)
        if approver is None:
            raise ManagerRequired(f"The manager id and PIN given to approve {what.lower()} do not match; "
                                  "the manager should type them again.")
        if approver.role is not Role.MANAGER:
            raise ManagerRequired(f"{approver.name} is not a manager, so cannot approve {what.lower()}; "
                                  "ask a manager.")
        return approver

    def _check_pin(self, associate_id: str, pin: str, now: datetime) -> Associate | None:
        """The associate when the PIN is right, None when wrong (the attempt is counted); locked → 429."""
        with self._db.read() as conn:
            row = conn.execute("SELECT * FROM associates WHERE id = ?", (associate_id,)).fetchone()
        if row is None:
            verify_pin(pin, _NOBODY)
            return None
        if _attempts(row).locked(now):
            raise self._locked(_attempts(row), now)
        right = verify_pin(pin, row["pin_hash"])  # slow on purpose: outside the write lock
        with self._db.write() as conn:
            current = conn.execute("SELECT * FROM associates WHERE id = ?", (associate_id,)).fetchone()
            attempts = _attempts(current)
            if attempts.locked(now):
                raise self._locked(attempts, now)
            attempts = attempts.after_right_pin() if right else attempts.after_wrong_pin(now)
            conn.execute("UPDATE associates SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                         (attempts.failed, to_text(attempts.locked_until) if attempts.locked_until else None,
                          associate_id))
        # Decided after the commit, so the wrong attempt is counted.
        if not right:
            if attempts.locked(now):
                raise self._locked(attempts, now)
            return None
        return Associate(current["id"], current["name"], Role(current["role"]))

    def authenticate(self, token: str | None, now: datetime) -> Associate:
        """The associate behind a bearer token that is still in use; `Unauthorized` otherwise."""
        if not token:
            raise Unauthorized("Sign in first: send the token from POST /v1/login as `Authorization: Bearer <token>`.")
        hashed = token_hash(token)
        # Every request comes through here: it reads without waiting for other counters' commits, and opens a write
        # transaction only when it has to write (both writes are right even if the session changed meanwhile).
        with self._db.read_only() as conn:
            row = conn.execute("SELECT s.last_used_at, a.id, a.name, a.role FROM sessions s JOIN associates a "
                               "ON a.id = s.associate_id WHERE s.token_hash = ?", (hashed,)).fetchone()
        if row is None:
            raise Unauthorized("This sign-in is not known here (signed out, or from another store); sign in again.")
        last_used = from_text(row["last_used_at"])
        if not session_live(last_used, now, self.idle):
            with self._db.write() as tx:
                tx.execute("DELETE FROM sessions WHERE token_hash = ?", (hashed,))
            raise Unauthorized(f"Your sign-in lapsed after {int(self.idle.total_seconds() // 60)} minutes "
                               "without use; sign in again.")
        # Recording every use would make every read a disk write; a few seconds' precision is plenty.
        if now - last_used >= TOUCH_EVERY:
            with self._db.write() as tx:
                tx.execute("UPDATE sessions SET last_used_at = ? WHERE token_hash = ?", (to_text(now), hashed))
        return Associate(row["id"], row["name"], Role(row["role"]))

    @staticmethod
    def _locked(attempts: Attempts, now: datetime) -> TooManyAttempts:
        minutes = max(1, int(((attempts.locked_until - now).total_seconds() + 59) // 60))
        return TooManyAttempts(f"Too many wrong PINs in a row; this associate can try again in {minutes} "
                               f"minute{'s' if minutes != 1 else ''}, or a manager can reset the PIN.",
                               retry_after_s=int((attempts.locked_until - now).total_seconds()) + 1)
