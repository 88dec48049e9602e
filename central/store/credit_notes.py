"""Rows of the store-credit ledger: credit notes, the holds sales take on them, and the issue and redemption
entries. Every function runs inside the caller's transaction."""

import sqlite3

from central.domain.credit_notes import HELD, REDEEMED, RELEASED, CreditNote
from shared.runtime.clock import from_text


def note(conn: sqlite3.Connection, number: str) -> CreditNote | None:
    row = conn.execute("SELECT number, currency, balance, expires_at FROM credit_notes WHERE number = ?",
                       (number,)).fetchone()
    if row is None:
        return None
    return CreditNote(row["number"], row["currency"], row["balance"],
                      from_text(row["expires_at"]) if row["expires_at"] else None)


def held_by_others(conn: sqlite3.Connection, number: str, store_id: str, sale_id: str, now: str) -> int:
    """What live holds of other sales take from the note's balance (a lapsed hold no longer counts)."""
    return conn.execute("SELECT coalesce(sum(amount), 0) FROM credit_holds WHERE number = ? AND status = ? "
                        "AND lapses_at > ? AND NOT (store_id = ? AND sale_id = ?)",
                        (number, HELD, now, store_id, sale_id)).fetchone()[0]


def holds_of_sale(conn: sqlite3.Connection, store_id: str, sale_id: str) -> dict[str, sqlite3.Row]:
    return {row["number"]: row for row in conn.execute(
        "SELECT * FROM credit_holds WHERE store_id = ? AND sale_id = ?", (store_id, sale_id))}


def put_hold(conn: sqlite3.Connection, store_id: str, sale_id: str, number: str, amount: int, now: str,
             lapses_at: str) -> None:
    conn.execute("INSERT INTO credit_holds (store_id, sale_id, number, amount, status, held_at, lapses_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id, sale_id, number) DO UPDATE SET "
                 "amount = excluded.amount, status = excluded.status, held_at = excluded.held_at, "
                 "lapses_at = excluded.lapses_at", (store_id, sale_id, number, amount, HELD, now, lapses_at))


def release(conn: sqlite3.Connection, store_id: str, sale_id: str) -> int:
    """Unconfirmed holds of the sale stop counting; a confirmed one stays redeemed. The holds released."""
    return conn.execute("UPDATE credit_holds SET status = ? WHERE store_id = ? AND sale_id = ? AND status = ?",
                        (RELEASED, store_id, sale_id, HELD)).rowcount


def confirm_hold(conn: sqlite3.Connection, store_id: str, sale_id: str, number: str, receipt_number: str) -> None:
    conn.execute("UPDATE credit_holds SET status = ?, receipt_number = ? WHERE store_id = ? AND sale_id = ? "
                 "AND number = ?", (REDEEMED, receipt_number, store_id, sale_id, number))


def insert_note(conn: sqlite3.Connection, *, number: str, store_id: str, return_number: str, currency: str,
                amount: int, issued_at: str, expires_at: str | None, received_at: str) -> bool:
    """A new note; False when it is known already (the same event applied again)."""
    return conn.execute("INSERT OR IGNORE INTO credit_notes (number, store_id, return_number, currency, "
                        "original_amount, balance, issued_at, expires_at, received_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (number, store_id, return_number, currency, amount, amount, issued_at, expires_at,
                         received_at)).rowcount == 1


def set_balance(conn: sqlite3.Connection, number: str, balance: int) -> None:
    conn.execute("UPDATE credit_notes SET balance = ? WHERE number = ?", (balance, number))


def add_entry(conn: sqlite3.Connection, *, number: str, kind: str, amount: int, store_id: str, reference: str,
              event_id: str, occurred_at: str, overdrawn: int = 0) -> None:
    conn.execute("INSERT INTO credit_entries (number, kind, amount, store_id, reference, event_id, occurred_at, "
                 "overdrawn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (number, kind, amount, store_id, reference, event_id, occurred_at, overdrawn))


def note_row(conn: sqlite3.Connection, number: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM credit_notes WHERE number = ?", (number,)).fetchone()


def entries(conn: sqlite3.Connection, number: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM credit_entries WHERE number = ? ORDER BY id", (number,)).fetchall()


def live_holds(conn: sqlite3.Connection, number: str, now: str) -> int:
    return conn.execute("SELECT coalesce(sum(amount), 0) FROM credit_holds WHERE number = ? AND status = ? "
                        "AND lapses_at > ?", (number, HELD, now)).fetchone()[0]


def page(conn: sqlite3.Connection, cursor: str | None, limit: int, store_id: str | None,
         currency: str | None) -> list[sqlite3.Row]:
    """Notes by number, after `cursor`; one more than `limit` tells whether another page follows."""
    return conn.execute("SELECT * FROM credit_notes WHERE (? IS NULL OR number > ?) AND (? IS NULL OR store_id = ?) "
                        "AND (? IS NULL OR currency = ?) ORDER BY number LIMIT ?",
                        (cursor, cursor, store_id, store_id, currency, currency, limit + 1)).fetchall()


def outstanding(conn: sqlite3.Connection, now: str) -> list[sqlite3.Row]:
    """Per currency, what the unexpired notes still owe the customers (head office's liability), and how many."""
    return conn.execute("SELECT currency, sum(balance) AS amount, count(*) AS notes FROM credit_notes "
                        "WHERE balance > 0 AND (expires_at IS NULL OR expires_at > ?) GROUP BY currency "
                        "ORDER BY currency", (now,)).fetchall()
