"""Safety stock through the API (issue 13 §3), each change one transaction; the `safety-stock` import applies the
same rule row by row (`central.store.safety_stock.save`)."""

from collections.abc import Callable

from central.domain.safety_stock import SafetyStock
from central.store import safety_stock as store
from shared.contract.errors import UnknownSku
from shared.runtime.sqlite import Database


class SafetyStocks:
    """`policy_default()` gives the routing policy's `safety_stock_default`, the last fallback."""

    def __init__(self, db: Database, policy_default: Callable[[], int], stock_changed: Callable[[], None]):
        self._db, self._policy_default, self._stock_changed = db, policy_default, stock_changed

    def view(self, sku: str) -> dict:
        with self._db.read() as conn:
            if conn.execute("SELECT 1 FROM products WHERE sku=?", (sku,)).fetchone() is None:
                raise UnknownSku(f"No product has the SKU {sku!r}.", sku=sku)
            return {**store.view(conn, sku), "policy_default": self._policy_default()}

    def set(self, figure: SafetyStock) -> dict:
        with self._db.write() as conn:
            store.save(conn, figure)
        self._stock_changed()  # less held back may let waiting orders route
        return self.view(figure.sku)

    def clear(self, sku: str, node_id: str | None) -> dict:
        self.view(sku)  # an unknown SKU is refused
        with self._db.write() as conn:
            store.clear(conn, sku, node_id)
        self._stock_changed()
        return self.view(sku)
