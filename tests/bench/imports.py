"""How long a large CSV products import takes, and how long publishing its products to the stores takes.

    uv run python -m tests.bench.imports [--rows 100000] [--publish 100000]

Imports `--rows` products through the API (central in-process, its real SQLite file), printing the progress
`GET /v1/imports/{id}` shows while it runs; then publishes `--publish` of them on CATALOG with central's own
publisher against a real nats-server, next to raw JetStream publishes of the same messages (one at a time and
pipelined) measured in the same run. Not a test: nothing here asserts a time.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from central.api.app import create_app
from central.settings import CentralSettings
from central.sync.catalog import CatalogPublisher
from shared.contract import subjects
from shared.contract.permissions import CENTRAL_USER
from shared.runtime.nats_link import NatsLink
from tests.conftest import RunningNats

TOKEN = "bench-admin-7f3a9c2e51b84d06"


def products_csv(rows: int) -> bytes:
    lines = ["sku,name,gtin,price,currency,tax_rate_bp,active"]
    lines += [f"BENCH-{n:07d},Bench product {n},,{100 + n % 5000},EUR,2000,true" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


async def import_products(root: Path, rows: int) -> tuple[float, list[tuple[float, int]], dict]:
    settings = CentralSettings(db_path=root / "central.db", admin_token=TOKEN, import_max_body_bytes=1024 ** 3)
    app = create_app(settings, with_nats=False)
    data = products_csv(rows)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central",
                                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600) as client:
            started = time.perf_counter()
            posted = await client.post("/v1/imports/products", content=data, headers={"Content-Type": "text/csv"})
            assert posted.status_code == 202, posted.text
            samples = []
            while True:
                view = (await client.get(posted.headers["location"])).json()
                samples.append((time.perf_counter() - started, view["rows_read"]))
                if view["status"] in ("done", "failed"):
                    return time.perf_counter() - started, samples, view
                await asyncio.sleep(0.5)


async def publish(root: Path, count: int) -> dict[str, float]:
    nats = RunningNats(root / "nats")
    nats.start()
    try:
        link = NatsLink([nats.url], user=CENTRAL_USER, password=nats.password(CENTRAL_USER),
                         inbox_prefix=subjects.CENTRAL_INBOX_PREFIX, name="bench")
        link.start()
        await link.wait_online(10)
        settings = CentralSettings(db_path=root / "central.db", admin_token=TOKEN)
        from central.store.schema import open_database
        db = open_database(settings.db_path)
        with db.write() as conn:  # only `count` of the imported products wait to be published
            conn.execute("UPDATE products SET published_at='x' WHERE rowid > ?", (count,))
        publisher = CatalogPublisher(db, link)
        started = time.perf_counter()
        while await publisher.publish_pending() > 0:
            pass
        central_rate = count / (time.perf_counter() - started)
        payload = b'{"sku": "BENCH-0000001", "name": "Bench product", "price": 100}'
        started = time.perf_counter()
        for n in range(min(count, 5000)):
            await link.js.publish(subjects.catalog_product(f"RAW-{n}"), payload, stream=subjects.CATALOG_STREAM)
        one_at_a_time = min(count, 5000) / (time.perf_counter() - started)
        started = time.perf_counter()
        for first in range(0, count, 1000):
            await asyncio.gather(*(link.js.publish(subjects.catalog_product(f"RAW-{n}"), payload,
                                                   stream=subjects.CATALOG_STREAM)
                                   for n in range(first, min(count, first + 1000))))
        pipelined = count / (time.perf_counter() - started)
        db.close()
        await link.close()
        return {"central publisher": central_rate, "raw, one at a time": one_at_a_time, "raw, pipelined": pipelined}
    finally:
        nats.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--publish", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seconds, samples, view = asyncio.run(import_products(root, args.rows))
        print(f"import of {args.rows} products: {seconds:.1f} s ({args.rows / seconds:.0f} rows/s), "
              f"status {view['status']}, applied {view['rows_applied']}, refused {view['rows_refused']}")
        step = max(1, len(samples) // 8)
        print("progress seen while it ran (s, rows read): "
              + ", ".join(f"{t:.1f} s {n}" for t, n in samples[::step]))
        if args.publish:
            rates = asyncio.run(publish(root, min(args.publish, args.rows)))
            for name, rate in rates.items():
                print(f"{name:>22}: {rate:8.0f} products/s  ({min(args.publish, args.rows) / rate:.1f} s for "
                      f"{min(args.publish, args.rows)})")


if __name__ == "__main__":
    main()
