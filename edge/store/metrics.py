"""Figures of the store's own tables that `/metrics` reads when Prometheus scrapes (one cheap query each)."""

import sqlite3


def sales_numbered(conn: sqlite3.Connection) -> int:
    """Sales the store has given a receipt number: every committed sale takes the next one (a rolled-back sale gives
    it back), and a database restored from a backup carries on above the numbers head office holds, so the sales made
    on the lost copy still count."""
    row = conn.execute("SELECT value FROM counters WHERE name = 'receipt'").fetchone()
    return row[0] if row else 0
