"""The paper each fulfilment step prints, queued inside the step's own transaction: a pick list when an order is
accepted, a bag tag when a pickup is ready, a collection receipt (with the order's receipt token as a QR) when it
is collected, a packing slip when a ship-from-store order is packed, a shipping label when it ships."""

import sqlite3
from datetime import datetime

from edge.domain.fulfilment import Paper
from edge.printing.service import Printing


def product_names(conn: sqlite3.Connection, lines: list[dict]) -> dict[str, str]:
    """SKU → name from the store's catalog copy, for the lines of an order (unknown SKUs print as their SKU)."""
    skus = sorted({line["sku"] for line in lines})
    rows = conn.execute(f"SELECT sku, name FROM products WHERE sku IN ({', '.join('?' * len(skus))})", skus)
    return {row["sku"]: row["name"] for row in rows}


def queue_step_paper(printing: Printing, conn: sqlite3.Connection, paper: Paper, fulfilment: dict,
                     now: datetime) -> None:
    """Queue the `paper` a fulfilment step prints (edge.domain.fulfilment.STEPS says which); never raises."""
    if paper is Paper.PICK_LIST:
        printing.pick(conn, fulfilment, now, product_names(conn, fulfilment["lines"]))
    elif paper is Paper.BAG_TAG:
        printing.ready_for_pickup(conn, fulfilment, now)
    elif paper is Paper.COLLECTION_RECEIPT:
        printing.collected(conn, fulfilment, now, product_names(conn, fulfilment["lines"]))
    elif paper is Paper.PACKING_SLIP:
        printing.packed(conn, fulfilment, now, product_names(conn, fulfilment["lines"]))
    elif paper is Paper.SHIPPING_LABEL:
        printing.shipped(conn, fulfilment, now)
