"""Wrong pickup codes, counted per fulfilment: the fifth in a row locks its code for a few minutes (the same rule
as wrong PINs), so a code cannot be guessed at the counter, online or off."""

import math
import sqlite3
from datetime import datetime

from edge.domain.access import MAX_WRONG_PINS, Attempts
from edge.domain.errors import WrongPickupCode
from shared.contract.errors import TooManyAttempts
from shared.runtime.clock import from_text, to_text

MAX_WRONG_CODES = MAX_WRONG_PINS


def _attempts(row: sqlite3.Row) -> Attempts:
    locked = row["code_locked_until"]
    return Attempts(failed=row["wrong_codes"], locked_until=from_text(locked) if locked else None)


def _locked(attempts: Attempts, now: datetime) -> TooManyAttempts:
    seconds = max(1, math.ceil((attempts.locked_until - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return TooManyAttempts(f"Too many wrong pickup codes for this order in a row; try again in {minutes} "
                           f"minute{'s' if minutes != 1 else ''}, with the code from the customer's confirmation "
                           "message.", retry_after_s=seconds, locked_until=to_text(attempts.locked_until))


def refuse_while_locked(row: sqlite3.Row, now: datetime) -> None:
    """429 too_many_attempts while the fulfilment's code is locked, whatever code is typed."""
    attempts = _attempts(row)
    if attempts.locked(now):
        raise _locked(attempts, now)


def count_wrong_code(conn: sqlite3.Connection, allocation_id: str, now: datetime,
                     wrong: WrongPickupCode) -> TooManyAttempts | WrongPickupCode:
    """Record one more wrong code; the problem to answer (the lockout, once this one caused it)."""
    row = conn.execute("SELECT wrong_codes, code_locked_until FROM fulfilments WHERE allocation_id = ?",
                       (allocation_id,)).fetchone()
    attempts = _attempts(row).after_wrong_pin(now)
    conn.execute("UPDATE fulfilments SET wrong_codes = ?, code_locked_until = ? WHERE allocation_id = ?",
                 (attempts.failed, to_text(attempts.locked_until) if attempts.locked_until else None, allocation_id))
    if attempts.locked(now):
        return _locked(attempts, now)
    left = MAX_WRONG_CODES - attempts.failed
    return WrongPickupCode(f"{wrong.detail} After {left} more wrong code{'s' if left != 1 else ''} the code is locked "
                           "for a few minutes.", attempts_left=left)
