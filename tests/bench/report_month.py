"""A month of a retail network at central, written straight into its schema — the rows ingest and the services
write — for the reports bench (`tests.bench.reports`): stores, warehouses, products and levels, orders with their
lines, allocations, histories, returns and refunds due, walk-in receipts and their returns, credit notes."""

import json
import random
from datetime import datetime, timedelta, timezone

from shared.runtime.clock import to_text

try:
    from central.store import receipt_days
except ImportError:  # a release before the day sums of walk-in receipts (to bench it against this one)
    receipt_days = None

MONTH_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
REASONS = ["wrong_size", "faulty", "changed_mind", "damaged_in_transit"]
DISPOSITIONS = ["restock", "damaged", "write_off"]


def month(db, stores: int = 50, orders: int = 30_000, receipts: int = 60_000, skus: int = 2_000,
          days: int = 30, seed: int = 7) -> None:
    rng = random.Random(seed)
    t = lambda minutes: to_text(MONTH_START + timedelta(minutes=minutes))  # noqa: E731
    span = days * 24 * 60
    store_ids = [f"S{i:03d}" for i in range(1, stores + 1)]
    dcs = ["DC1", "DC2", "DC3"]
    sku_ids = [f"SKU{i:05d}" for i in range(skus)]
    end = t(span)
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO nodes (id, type, name, address, lat, lon, capabilities, stock_as_of, stock_received_at, "
            "created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)",
            [(n, "warehouse" if n.startswith("DC") else "store", n, 50 + rng.random(), 8 + rng.random(),
              '["ship"]' if n.startswith("DC") else '["pickup", "ship_from_store"]',
              end if n.startswith("DC") else None, end if n.startswith("DC") else None, t(0), t(0))
             for n in dcs + store_ids])
        conn.executemany("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                         "hb_last_seq, hb_backlog, hb_oldest_unsent_at) VALUES (?, 'e', 1000, ?, 'e', ?, ?, ?)",
                         [(s, end, 1000 + rng.randint(0, 3), rng.randint(0, 2), end) for s in store_ids])
        conn.executemany("INSERT INTO products (sku, name, price, currency, tax_rate_bp, active, updated_at) "
                         "VALUES (?, 'p', 1000, 'EUR', 2000, 1, ?)", [(s, t(0)) for s in sku_ids])
        conn.executemany("INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of) VALUES (?, ?, ?, ?, 0, ?)",
                         [(sku, node, rng.randint(0, 30), rng.randint(0, 2), end)
                          for node in dcs + store_ids for sku in rng.sample(sku_ids, skus // 5)])
        # ids are time-ordered and rows arrive in time order, as central writes them
        for i, placed in enumerate(sorted(rng.randrange(span) for _ in range(orders))):
            oid = f"ORD-{i:010d}"
            pickup = rng.random() < 0.4
            store = rng.choice(store_ids)
            lines = {sku: rng.randint(1, 3) for sku in rng.sample(sku_ids, rng.randint(1, 3))}
            total = sum(q * 1000 for q in lines.values())
            fate = rng.random()
            status = ("completed" if fate < 0.8 else "cancelled" if fate < 0.88 else "backordered" if fate < 0.91
                      else "in_fulfilment")
            customer = {"name": f"Customer {i % 9000}", "email": f"c{i % 9000}@example.com",
                        "phone": f"+4420{i % 9000:07d}"}
            delivery = {"type": "pickup", "store_id": store} if pickup else {"type": "ship"}
            conn.execute(
                "INSERT INTO orders (id, channel, customer, delivery, delivery_type, allow_split, status, currency, "
                "total, paid, cancel_requested_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, 'EUR', ?, ?, "
                "?, ?, ?)",
                (oid, rng.choice(["web", "app"]), json.dumps(customer), json.dumps(delivery),
                 "pickup" if pickup else "ship", status, total,
                 json.dumps([{"tender": "online", "amount": total}]),
                 t(placed + 30) if status == "cancelled" and rng.random() < 0.5 else None, t(placed), t(placed)))
            conn.executemany("INSERT INTO order_lines (order_id, sku, qty, unit_price) VALUES (?, ?, ?, 1000)",
                             [(oid, sku, q) for sku, q in lines.items()])
            history = [(placed, "status", "allocated", "central:router", {})]
            if status == "backordered":
                history = [(placed, "status", "backordered", "central:router", {})]
            nodes = [store] if pickup else ([rng.choice(dcs)] if rng.random() < 0.9 else rng.sample(dcs, 2))
            if not pickup and rng.random() < 0.05:
                history.append((placed + 10, "status", "backordered", "central:router", {}))
            if rng.random() < 0.04:  # turned down first, routed elsewhere
                aid = f"AL-{i}-r"
                conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, reason, "
                             "created_at, updated_at) VALUES (?, ?, ?, 'store', ?, ?, ?, ?, ?)",
                             (aid, oid, rng.choice(store_ids), "pickup" if pickup else "ship",
                              rng.choice(["rejected", "timed_out"]), rng.choice(["damaged", "not_found", None]),
                              t(placed), t(placed + 20)))
            for k, node in enumerate(nodes):
                aid = f"AL-{i}-{k}"
                mine = list(lines.items())[k::len(nodes)]
                short = pickup and rng.random() < 0.05
                if status == "completed":
                    a_status = "collected" if pickup else "shipped"
                elif status == "cancelled":
                    a_status = "expired" if pickup and rng.random() < 0.5 else "cancelled"
                elif status == "backordered":
                    continue
                else:
                    a_status = rng.choice(["accepted", "picked", "ready"]) if pickup else "accepted"
                conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, created_at, "
                             "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (aid, oid, node, "store" if pickup else "warehouse", "pickup" if pickup else "ship",
                              a_status, t(placed), t(placed + 60)))
                conn.executemany("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, ?, ?, ?)",
                                 [(aid, sku, node, q) for sku, q in mine])
                if pickup and a_status in ("picked", "ready", "collected", "expired"):
                    history.append((placed + 30, "short_picked" if short else "fulfilment.picked", "in_fulfilment",
                                    f"store:{node}", {"allocation_id": aid}))
                    if short:
                        sku, q = mine[0]
                        conn.execute("INSERT INTO order_refunds_due (order_id, sku, qty, amount, reason, source, at) "
                                     "VALUES (?, ?, 1, 1000, 'short_pick', ?, ?)", (oid, sku, f"store:{node}",
                                                                                  t(placed + 30)))
                if pickup and a_status in ("ready", "collected", "expired"):
                    history.append((placed + 60, "pickup.ready", "ready_for_pickup", f"store:{node}",
                                    {"allocation_id": aid}))
                if a_status == "collected":
                    history.append((placed + 60 + rng.randint(10, 2000), "pickup.collected", "completed",
                                    f"store:{node}", {"allocation_id": aid}))
            if status == "completed":
                history.append((placed + rng.randint(60, 4000), "status", "completed", "central:router", {}))
                if rng.random() < 0.06:
                    back = placed + rng.randint(4000, 20000)
                    sku, q = next(iter(lines.items()))
                    reason, disposition = rng.choice(REASONS), rng.choice(DISPOSITIONS)
                    conn.execute("INSERT INTO order_returns (event_id, line_no, order_id, store_id, return_number, "
                                 "sku, qty, refund, at, reason, disposition) VALUES (?, 0, ?, ?, ?, ?, 1, 1000, ?, "
                                 "?, ?)", (f"EV-OR-{i}", oid, store, f"{store}-R9{i:05d}", sku, t(back), reason,
                                           disposition))
                    history.append((back, "returned", "completed", f"store:{store}", {
                        "refunds": [{"tender": rng.choice(["card", "cash"]), "amount": 1000}]}))
            elif status == "cancelled":
                history.append((placed + 40, "status", "cancelled", "api", {}))
                if rng.random() < 0.3:
                    sku, q = next(iter(lines.items()))
                    conn.execute("INSERT INTO order_refunds_due (order_id, sku, qty, amount, reason, source, at) "
                                 "VALUES (?, ?, ?, ?, 'line_cancelled', 'api', ?)", (oid, sku, q, q * 1000,
                                                                                    t(placed + 35)))
            conn.executemany("INSERT INTO order_history (order_id, at, kind, status, source, detail) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             [(oid, t(at), kind, st, src, json.dumps(detail))
                              for at, kind, st, src, detail in sorted(history, key=lambda h: h[0])])
        sold = []
        for i, at in enumerate(sorted(rng.randrange(span) for _ in range(receipts))):
            store = rng.choice(store_ids)
            number = f"{store}-{i:06d}"
            lines = [{"sku": sku, "qty": rng.randint(1, 3), "unit_price": 1000}
                     for sku in rng.sample(sku_ids, rng.randint(1, 4))]
            total = sum(line["qty"] * 1000 for line in lines)
            tenders = ([{"type": "card", "paid": total}] if rng.random() < 0.7 else
                       [{"type": "cash", "paid": total - 500}, {"type": "card", "paid": 500}])
            sold.append((number, store, at, lines))
            body = {"total": total, "lines": lines, "tenders": tenders}
            conn.execute("INSERT INTO store_receipts (receipt_number, store_id, currency, occurred_at, event_id, body) "
                         "VALUES (?, ?, 'EUR', ?, ?, ?)", (number, store, t(at), f"EV-S-{i}", json.dumps(body)))
            if receipt_days is not None:  # as ingest's record_sale does
                receipt_days.add(conn, store, t(at)[:10], "EUR", body)
        for k, (number, store, at, lines) in enumerate(rng.sample(sold, receipts // 30)):
            line = lines[0]
            where = store if rng.random() < 0.9 else rng.choice(store_ids)
            body = {"lines": [{"sku": line["sku"], "qty": 1, "refund": 1000, "reason": rng.choice(REASONS),
                               "disposition": rng.choice(DISPOSITIONS)}],
                    "refunds": [{"tender": rng.choice(["card", "cash", "store_credit"]), "amount": 1000}]}
            conn.execute("INSERT INTO receipt_returns (event_id, receipt_number, store_id, return_number, "
                         "occurred_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                         (f"EV-R-{k}", number, where, f"{where}-R{k:06d}", t(at + rng.randint(60, 9000)),
                          json.dumps(body)))
        for k in range(500):
            store, at = rng.choice(store_ids), rng.randrange(span)
            number = f"{store}-C{k:06d}"
            conn.execute("INSERT INTO credit_notes (number, store_id, return_number, currency, original_amount, "
                         "balance, issued_at, expires_at, received_at) VALUES (?, ?, ?, 'EUR', 1000, 1000, ?, ?, ?)",
                         (number, store, f"{store}-R{k}", t(at), t(at + span) if k % 2 else None, t(at)))
            conn.execute("INSERT INTO credit_entries (number, kind, amount, store_id, reference, event_id, "
                         "occurred_at) VALUES (?, 'issued', 1000, ?, ?, ?, ?)", (number, store, "R", f"CE-{k}", t(at)))
            if k % 3 == 0:
                conn.execute("INSERT INTO credit_entries (number, kind, amount, store_id, reference, event_id, "
                             "occurred_at) VALUES (?, 'redeemed', 400, ?, ?, ?, ?)",
                             (number, store, "S", f"CR-{k}", t(at + 100)))
