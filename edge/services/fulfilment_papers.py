"""The paper each fulfilment step prints, queued inside the step's own transaction: a pick list when an order is
accepted, a bag tag when a pickup is ready, a collection receipt (with the order's receipt token as a QR) when it
is collected, a shipping label when a parcel ships."""

import sqlite3
from datetime import datetime

from edge.printing.service import Printing
from shared.contract.models import FulfilmentStatus as S


def product_names(conn: sqlite3.Connection, lines: list[dict]) -> dict[str, str]:
    """SKU → name from the store's catalog copy, for the lines of an order (unknown SKUs print as their SKU)."""
    skus = sorted({line["sku"] for line in lines})
    rows = conn.execute(f"SELECT sku, name FROM products WHERE sku IN ({', '.join('?' * len(skus))})", skus)
    return {row["sku"]: row["name"] for row in rows}


def queue_step_paper(printing: Printing, conn: sqlite3.Connection, status: S, fulfilment: dict,
                     now: datetime) -> None:
    """Queue what the fulfilment's new `status` prints (nothing for the other steps); never raises."""
    if status == S.ACCEPTED:
        printing.pick(conn, fulfilment, now, product_names(conn, fulfilment["lines"]))
    elif status == S.READY:
        printing.ready_for_pickup(conn, fulfilment, now)
    elif status == S.COLLECTED:
        printing.collected(conn, fulfilment, now, product_names(conn, fulfilment["lines"]))
    elif status == S.SHIPPED:
        printing.shipped(conn, fulfilment, now)
