"""An import's progress is visible while it runs, and says exactly what has applied: a batch's rows and its count
commit together."""

import threading
from dataclasses import replace
from datetime import datetime, timezone

from central.services.import_kinds import import_kinds
from central.services.imports import Imports
from central.store.schema import open_database
from shared.contract.models import Product
from tests.waiting import poll

NOW = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)


def products_csv(rows: int, bad_every: int = 0) -> bytes:
    lines = ["sku,name,price,currency"]
    lines += [f"P{n:05d},Product {n},{'x' if bad_every and n % bad_every == 0 else 100 + n},EUR" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_progress_shows_each_committed_batch_while_the_import_runs(tmp_path):
    db = open_database(tmp_path / "central.db")
    kinds = import_kinds(catalog_changed=lambda: None, store_registered=lambda s: None, stock_changed=lambda: None)
    gate, paused = threading.Semaphore(0), threading.Semaphore(0)

    def after_each_batch(rows):  # the import waits here, after each batch's commit, until the test lets it go on
        paused.release()
        gate.acquire()

    kinds["products"] = replace(kinds["products"], after_commit=after_each_batch)
    imports = Imports(db, kinds, batch_rows=100)
    view = imports.submit("products", products_csv(250, bad_every=7), Product, NOW)
    worker = threading.Thread(target=imports.run_queued)
    worker.start()
    seen = []
    for _ in range(3):
        paused.acquire()
        progress = imports.view(view["id"])
        with db.read() as conn:
            in_catalog = conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]
        seen.append((progress["status"], progress["rows_read"], progress["rows_applied"], progress["rows_refused"],
                     in_catalog))
        gate.release()
    worker.join()
    # Rows 0, 7, 14, … are refused: 15 of the first 100, 14 of the next, 7 of the last 50.
    assert seen == [("running", 100, 85, 15, 85), ("running", 200, 171, 29, 171), ("running", 250, 214, 36, 214)]
    done = poll(lambda: imports.view(view["id"])["status"] == "done" and imports.view(view["id"]))
    assert (done["rows_read"], done["rows_applied"], done["rows_refused"]) == (250, 214, 36)
    first_page, cursor = imports.refusals(view["id"], None, 10)
    second_page, _ = imports.refusals(view["id"], cursor, 100)
    assert [r["row"] for r in first_page + second_page] == [n + 2 for n in range(250) if n % 7 == 0]
    db.close()


def test_an_import_cut_off_by_a_stop_is_failed_on_the_next_start_with_what_applied(tmp_path):
    db = open_database(tmp_path / "central.db")
    kinds = import_kinds(catalog_changed=lambda: None, store_registered=lambda s: None, stock_changed=lambda: None)
    view = Imports(db, kinds).submit("products", products_csv(10), Product, NOW)
    db.close()
    db = open_database(tmp_path / "central.db")
    again = Imports(db, kinds).view(view["id"])
    assert (again["status"], again["rows_applied"]) == ("failed", 0)
    assert again["error"].startswith("Head office stopped during this import")
    with db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM import_uploads").fetchone()[0] == 0
    db.close()
