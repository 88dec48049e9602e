"""An online order read from its signed receipt token (DESIGN §6 "Returns"), for a return while head office
cannot be asked: verified with the public keys central publishes on `omni.catalog.keys`, which the catalog
follower keeps in `catalog_settings`."""

import sqlite3

from edge.services.returns import KeptElsewhere, OrderedLine
from shared.contract.events import CatalogKeys
from shared.contract.receipt_tokens import InvalidReceiptToken
from shared.runtime import receipt_tokens
from shared.runtime.sqlite import Database


def stored_keys(conn: sqlite3.Connection) -> dict[str, str]:
    """Central's public keys by key id, as last received; empty before any arrived."""
    row = conn.execute("SELECT value FROM catalog_settings WHERE key = 'keys'").fetchone()
    return CatalogKeys.model_validate_json(row["value"]).keys if row else {}


def token_on_file(conn: sqlite3.Connection, order_id: str) -> str | None:
    """The token that came with this store's own fulfilment of the order (central puts it in each assign)."""
    row = conn.execute("SELECT receipt_token FROM fulfilments WHERE order_id = ? AND receipt_token IS NOT NULL "
                       "ORDER BY updated_at DESC LIMIT 1", (order_id,)).fetchone()
    return row["receipt_token"] if row else None


def order_from_token(conn: sqlite3.Connection, order_id: str, token: str) -> KeptElsewhere:
    """The order's lines, prices, currency and payments as the token states them; 422 invalid_receipt_token when
    it does not verify with the stored keys or belongs to another order."""
    keys = stored_keys(conn)
    try:
        claims = receipt_tokens.verify(token, keys)
    except InvalidReceiptToken as e:
        hint = "" if keys else " No keys from head office have reached this store yet."
        raise InvalidReceiptToken(e.reason + hint, order_id=order_id) from e
    if claims["order_id"] != order_id:
        raise InvalidReceiptToken(f"This receipt token belongs to order {claims['order_id']}, not {order_id}; "
                                  "scan the token of the order being returned.", order_id=order_id)
    lines = tuple(OrderedLine(line["sku"], line["qty"], 0, line["unit_price"]) for line in claims["lines"])
    paid = tuple((p["tender"], p["amount"], 0) for p in claims["paid"])
    return KeptElsewhere(lines=lines, currency=claims["currency"], paid=paid, from_token=True)


def offline_order(db: Database, order_id: str, token: str | None) -> KeptElsewhere | None:
    """The order from the token shown, else from the token on file here; None when there is neither."""
    with db.read() as conn:
        token = token or token_on_file(conn, order_id)
        return order_from_token(conn, order_id, token) if token else None
