"""CSV exports (issue 13 §2): the rows of one kind, read a page per short read of the database, so a large export
streams while ingest and the API go on."""

from collections.abc import Callable, Iterator
from datetime import datetime

from central.store import exports as store
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database

PAGE_ROWS = 2000


def _text(moment: datetime | None) -> str | None:
    return to_text(moment) if moment else None


class Exports:
    def __init__(self, db: Database):
        self._db = db

    def _pages(self, page: Callable, width: int, key: Callable[[tuple], tuple], start: tuple) -> Iterator[tuple]:
        after = start
        while True:
            with self._db.read() as conn:
                rows = page(conn, after, PAGE_ROWS)
            for row in rows:
                yield row[:width]
            if len(rows) < PAGE_ROWS:
                return
            after = key(rows[-1])

    def orders(self, created_from: datetime | None, created_to: datetime | None) -> Iterator[tuple]:
        """The header, then one row per order line, oldest order first."""
        yield store.ORDER_COLUMNS
        yield from self._pages(lambda c, a, n: store.orders_page(c, a, n, _text(created_from), _text(created_to)),
                               len(store.ORDER_COLUMNS), lambda r: (r[0], r[12]), ("", ""))

    def receipts(self, occurred_from: datetime | None, occurred_to: datetime | None,
                 store_id: str | None) -> Iterator[tuple]:
        """The header, then one row per receipt line, by receipt number."""
        yield store.RECEIPT_COLUMNS
        yield from self._pages(
            lambda c, a, n: store.receipts_page(c, a, n, _text(occurred_from), _text(occurred_to), store_id),
            len(store.RECEIPT_COLUMNS), lambda r: (r[0], r[-1]), ("", -1))

    def stock(self, node_id: str | None, node_type: str | None) -> Iterator[tuple]:
        """The header, then one row per node × SKU central holds a level of."""
        yield store.STOCK_COLUMNS
        yield from self._pages(lambda c, a, n: store.stock_page(c, a, n, node_id, node_type),
                               len(store.STOCK_COLUMNS), lambda r: (r[0], r[2]), ("", ""))

    def products(self) -> Iterator[tuple]:
        yield store.PRODUCT_COLUMNS
        yield from self._pages(store.products_page, len(store.PRODUCT_COLUMNS), lambda r: (r[0],), ("",))
