"""Status filters as SQL, built from the status sets of `central.domain.orders` so that no module types a
status list of its own."""

from collections.abc import Iterable
from enum import StrEnum


def status_in(column: str, statuses: Iterable[StrEnum]) -> tuple[str, tuple[str, ...]]:
    """`column IN (?, ?, …)` with its parameters, in a fixed order (one statement text, one cached plan).

    A single status renders as `column = ?`, which SQLite matches against a partial index such as
    `WHERE status = 'pending'`; `IN (?)` would not be.
    """
    values = tuple(sorted(str(s) for s in statuses))
    if not values:
        raise ValueError("a status filter needs at least one status")
    if len(values) == 1:
        return f"{column} = ?", values
    return f"{column} IN ({', '.join('?' * len(values))})", values
