"""A store's sale to central's ATP showing it: 10 stores each selling 20 times a second, p99.

nats-server and central run as in a deployment (`tests.bench.live_network`: one NATS user per store, central as its
own process). Each of the 10 stores is the store's own code in this process: its database, `SalesService.record`
(the sale's one durable transaction, as behind `POST /v1/sales`), the publisher and the heartbeat on the store's own
NATS connection. A sale's time runs from `record` returning (its commit, the moment the 2xx goes out) to central's
applied watermark covering the sale's seq: central publishes it right after the batch holding the sale commits, so
from then on `GET /v1/atp/{sku}` shows the sale. A check at the end reads every sold SKU's ATP at every store over
HTTP and compares it with the store's own figure.

The issue sets an absolute goal (p99 < 250 ms); the row's limit is that ceiling.
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from edge.domain.sales import TenderIn
from edge.services.access import Associate, Sessions
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from edge.settings import EdgeSettings
from edge.store.schema import read_epoch
from edge.sync.context import SyncContext
from edge.sync.heartbeat import HeartbeatSender
from edge.sync.publisher import Publisher
from shared.contract import subjects
from shared.contract.events import AppliedWatermark
from shared.contract.models import Role
from shared.runtime.clock import utc_now
from shared.runtime.tasks import cancel_and_wait
from shared.runtime.wakeup import Wakeup
from tests.bench.edge_sale import SKUS, stocked_store
from tests.bench.harness import Result, percentile
from tests.bench.live_network import LiveNetwork, store_ids

STORES = 10
SALES_PER_S = 20
GOAL_MS = 250.0


class SellingStore:
    """One store's own parts: database, sale service, publisher and heartbeat on its own NATS user."""

    def __init__(self, root: Path, store_id: str, net: LiveNetwork, sales: ThreadPoolExecutor):
        self.store_id, self._sales = store_id, sales
        self.db = stocked_store(root / f"edge-{store_id}.db")
        wakeup = Wakeup()
        self.service = SalesService(self.db, Sessions(self.db, timedelta(minutes=30)), store_id=store_id,
                                    currency="EUR", online=lambda: True, on_commit=wakeup.notify)
        self.link = net.store_link(store_id)
        with self.db.read() as conn:
            epoch = read_epoch(conn)
        self.ctx = SyncContext(settings=EdgeSettings(store_id=store_id, nats_url=net.nats_url,
                                                     db_path=root / f"edge-{store_id}.db"),
                               epoch=epoch, db=self.db, link=self.link, wakeup=wakeup, clock=utc_now)
        self.committed_at: dict[int, float] = {}  # seq → when its sale returned
        self.lags_ms: list[float] = []
        self.sold: list[str] = []
        self._applied = 0
        self._tasks: list[asyncio.Task] = []
        self._n = 0

    async def start(self) -> None:
        self.link.start()
        await self.link.wait_online(30)
        await self.link.nc.subscribe(subjects.applied_ack(self.store_id), cb=self._on_watermark)
        self._tasks = [asyncio.create_task(Publisher(self.ctx).run()),
                       asyncio.create_task(HeartbeatSender(self.ctx).run())]

    async def stop(self) -> None:
        self.ctx.stopping.set()
        await cancel_and_wait(self._tasks)
        await self.link.close()
        self.db.close()

    async def sell(self, seconds: float, rate: float) -> None:
        loop, next_at, end = asyncio.get_running_loop(), time.perf_counter(), time.perf_counter() + seconds
        while next_at < end:
            next_at += 1 / rate
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            seq = await loop.run_in_executor(self._sales, self._one_sale)
            self.committed_at[seq] = time.perf_counter()
            self._settle()

    def _one_sale(self) -> int:
        self._n += 1
        sku = SKUS[self._n % len(SKUS)]
        self.sold.append(sku)
        outcome = self.service.record(SaleIn([SaleLineIn(sku, 1)], [TenderIn("cash", 1990, None)], None,
                                             {"n": self._n}), Associate("A1", "Ana", Role.ASSOCIATE),
                                      f"associate:A1:{self.store_id}-{self._n}", utc_now())
        return outcome.body["seq"]

    async def _on_watermark(self, msg) -> None:
        mark = AppliedWatermark.model_validate_json(msg.data)
        if mark.epoch == self.ctx.epoch:
            self._applied = max(self._applied, mark.applied_seq)
            self._settle()

    def _settle(self) -> None:
        now = time.perf_counter()
        for seq in [s for s in self.committed_at if s <= self._applied]:
            self.lags_ms.append((now - self.committed_at.pop(seq)) * 1000)

    @property
    def waiting(self) -> int:
        return len(self.committed_at)


async def _measure(root: Path, seconds: float) -> tuple[list[float], int, list[str]]:
    ids = store_ids(STORES)
    async with LiveNetwork(root, ids, SKUS) as net:
        with ThreadPoolExecutor(max_workers=STORES, thread_name_prefix="sale") as sales:
            stores = [SellingStore(root, store_id, net, sales) for store_id in ids]
            await asyncio.gather(*(store.start() for store in stores))
            await asyncio.gather(*(store.sell(1.0, 2) for store in stores))  # each store's epoch opens at central
            await _drained(stores, 30)
            for store in stores:
                store.lags_ms.clear()
            await asyncio.gather(*(store.sell(seconds, SALES_PER_S) for store in stores))
            await _drained(stores, 30)
            mismatches = await _atp_matches(net, stores)
            lags = [lag for store in stores for lag in store.lags_ms]
            left = sum(store.waiting for store in stores)
            for store in stores:
                await store.stop()
    return lags, left, mismatches


async def _drained(stores: list[SellingStore], timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and any(store.waiting for store in stores):
        await asyncio.sleep(0.05)


async def _atp_matches(net: LiveNetwork, stores: list[SellingStore]) -> list[str]:
    """Every sold SKU's on-hand at every store as central's ATP shows it, against the store's own stock."""
    wrong = []
    async with net.client() as http:
        for sku in sorted({sku for store in stores for sku in store.sold}):
            nodes = {node["node_id"]: node for node in (await http.get(f"/v1/atp/{sku}")).json()["nodes"]}
            for store in stores:
                with store.db.read() as conn:
                    on_hand = conn.execute("SELECT on_hand FROM stock WHERE sku=?", (sku,)).fetchone()[0]
                if nodes.get(store.store_id, {}).get("on_hand") != on_hand:
                    wrong.append(f"{store.store_id}/{sku}")
    return wrong


def sale_to_atp(root: Path, seconds: float, rounds: int) -> list[Result]:
    duration = 60.0 if seconds >= 2 else 10.0
    lags, left, mismatches = asyncio.run(_measure(root, duration))
    if left or mismatches:
        print(f"  sale-to-atp: {left} sale(s) never covered by a watermark; ATP differs at {mismatches[:5]}")
    p99 = percentile(lags, 99) if lags and not left else float("inf")
    return [Result(f"sale's commit → central ATP, {STORES} stores × {SALES_PER_S} sales/s, p99 ({len(lags):,} sales)",
                   p99, "ms", GOAL_MS, "the goal's ceiling (an absolute goal)", p99 / GOAL_MS, f"< {GOAL_MS:g} ms",
                   p99 < GOAL_MS)]
