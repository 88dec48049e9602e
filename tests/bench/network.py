"""A retail network at its busiest hour against one real central: how much one central holds, and what gives first.

    uv run python -m tests.bench.network --stores 200 [--minutes 2] [--sales-per-s 0.5] [--out network.json]

N simulated stores (`tests.bench.store_sim`: each its own NATS user, real envelopes, the edge's Msg-Id rule)
publish a peak hour's mix — sales and goods receipts as a Poisson stream per store, a heartbeat every 5 s — while an
e-commerce client reads ATP and places ship orders through central's HTTP API. nats-server and central run as in a
deployment (`tests.bench.live_network`). Reported: the events offered and applied per second, the ingest lag (an
event's publish to central's watermark covering it) p50/p99, ATP and order placement p50/p99, central's CPU (a share
of one core: it is one Python process), resident memory, and its database's growth per event, extrapolated to a day.

A day is taken as 12 opening hours at 40 % of the peak rate on average. Simulated stores never answer a
fulfilment assignment; central re-routes those after their acceptance window, as it would for a silent store.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from tests.bench.harness import percentile
from tests.bench.live_network import (
    LiveNetwork,
    cpu_seconds,
    skus,
    store_ids,
    store_place,
)
from tests.bench.store_sim import Lags, SimulatedStore

DAY_FACTOR = 12 * 3600 * 0.4  # seconds of peak-rate traffic a day holds
CONNECTS_AT_ONCE = 50
REQUESTS_IN_FLIGHT = 64


@dataclass(frozen=True)
class Mix:
    """A store's peak hour, per second; the e-commerce client's, for the whole network."""

    sales_per_s: float = 0.5          # 1,800 receipts an hour: a large store's busiest hour
    receives_per_s: float = 0.02      # goods received, one event a SKU line: ~70 an hour
    orders_per_s: float = 1.0
    atp_reads_per_s: float = 10.0

    @classmethod
    def for_network(cls, stores: int, sales_per_s: float, orders_per_s: float | None = None) -> "Mix":
        orders = orders_per_s if orders_per_s is not None else max(0.5, stores / 100)  # one a second per 100 stores
        return cls(sales_per_s=sales_per_s, orders_per_s=orders, atp_reads_per_s=10 * orders)


@dataclass
class Report:
    stores: int
    seconds: float
    offered_events_per_s: float
    applied_events_per_s: float
    heartbeats_per_s: float
    ingest_lag_p50_ms: float
    ingest_lag_p99_ms: float
    not_applied_at_end: int
    atp_p50_ms: float
    atp_p99_ms: float
    atp_reads: int
    order_p50_ms: float
    order_p99_ms: float
    orders: int
    request_errors: int
    request_error_kinds: dict     # what each error was: "timeout" and the like, or the HTTP status
    central_cpu_share: float      # of one core
    nats_cpu_share: float
    simulator_cpu_share: float
    central_rss_mb: float
    central_rss_max_mb: float
    db_bytes_per_event: float
    db_gb_per_day: float
    events_per_day: float
    keeps_up: bool
    phases: dict  # central's time per phase in the traffic window (tests.bench.central_probe)

    def as_json(self) -> dict:
        return asdict(self)


class Ecommerce:
    """Reads ATP and places orders as Poisson streams, each request its own task, at most a bounded number in
    flight (past that the client waits, as a web shop's pool would)."""

    def __init__(self, net: LiveNetwork, mix: Mix, rng: random.Random):
        self.net, self.mix, self.rng = net, mix, rng
        self.atp_ms: list[float] = []
        self.order_ms: list[float] = []
        self.errors = 0
        self.error_kinds: dict[str, int] = {}
        self._slots = asyncio.Semaphore(REQUESTS_IN_FLIGHT)
        self._orders = 0

    async def run(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        await asyncio.gather(self._stream(http, stop, self.mix.atp_reads_per_s, self._read_atp),
                             self._stream(http, stop, self.mix.orders_per_s, self._place_order))

    async def _stream(self, http, stop: asyncio.Event, rate: float, request) -> None:
        pending: set[asyncio.Task] = set()
        next_at = time.perf_counter()
        while not stop.is_set():
            next_at += self.rng.expovariate(rate)
            await _sleep_until(next_at, stop)
            await self._slots.acquire()
            task = asyncio.create_task(request(http))
            pending.add(task)
            task.add_done_callback(lambda t: (pending.discard(t), self._slots.release()))
        await asyncio.gather(*pending, return_exceptions=True)

    async def _read_atp(self, http: httpx.AsyncClient) -> None:
        sku = self.rng.choice(self.net.catalog)
        started = time.perf_counter()
        self._count(await self._send(http.get(f"/v1/atp/{sku}")), self.atp_ms, started)

    async def _place_order(self, http: httpx.AsyncClient) -> None:
        self._orders += 1
        lat, lon = store_place(self.rng.randrange(len(self.net.stores)))
        lines = self.rng.sample(self.net.catalog, self.rng.choice((1, 1, 2, 3)))
        body = {"channel": "web", "customer": {"name": "Simulated customer"},
                "lines": [{"sku": sku, "qty": 1} for sku in lines],
                "delivery": {"type": "ship", "address": {
                    "name": "Simulated customer", "line1": "Main street 1", "city": "Town", "postal_code": "12345",
                    "country": "DE", "lat": lat + 0.01, "lon": lon + 0.01}}}
        started = time.perf_counter()
        self._count(await self._send(http.post("/v1/orders", json=body,
                                               headers={"Idempotency-Key": f"sim-{self._orders}"})),
                    self.order_ms, started)

    async def _send(self, request) -> httpx.Response | None:
        try:
            return await request
        except httpx.HTTPError as e:  # refused, reset or timed out: counted as an error
            kind = type(e).__name__
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
            return None

    def _count(self, response: httpx.Response | None, into: list[float], started: float) -> None:
        if response is None or response.status_code >= 500 or response.status_code in (401, 403, 404, 422):
            self.errors += 1
            if response is not None:
                kind = f"HTTP {response.status_code}"
                self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        else:
            into.append((time.perf_counter() - started) * 1000)


async def _sleep_until(moment: float, stop: asyncio.Event) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            pass


async def store_traffic(store: SimulatedStore, mix: Mix, rng: random.Random, stop: asyncio.Event) -> None:
    """The store's events as a Poisson stream; published one after another in seq order, as the edge does (a
    store that falls behind catches up at once, like a publisher's backlog)."""
    rate = mix.sales_per_s + mix.receives_per_s
    next_at = time.perf_counter()
    while not stop.is_set():
        next_at += rng.expovariate(rate)
        await _sleep_until(next_at, stop)
        if stop.is_set():
            return
        if rng.random() < mix.sales_per_s / rate:
            await store.sell()
        else:
            await store.receive()


async def simulate(root: Path, stores: int, seconds: float, mix: Mix, *, products: int = 200, seed: int = 1,
                   progress=print) -> Report:
    rng = random.Random(seed)
    ids, catalog = store_ids(stores), skus(products)
    async with LiveNetwork(root, ids, catalog, probe=True) as net:
        progress(f"central up, {stores} stores and {len(catalog)} products registered")
        lags = Lags()
        sims = [SimulatedStore(store, net.users[store], net.nats_url, catalog, lags, random.Random(rng.random()))
                for store in ids]
        limit = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def open_store(sim: SimulatedStore) -> None:
            async with limit:
                await sim.connect()
                await sim.heartbeat()
                await sim.open_epoch()

        await asyncio.gather(*(open_store(sim) for sim in sims))
        await _wait_applied(sims, 120)
        progress(f"{stores} stores connected, their opening snapshots applied; {seconds:.0f} s of peak traffic")
        lags.ms.clear()
        lags.applied = lags.published = lags.heartbeats = 0
        stop = asyncio.Event()
        shop = Ecommerce(net, mix, random.Random(rng.random()))
        rss: list[float] = []
        cpu0 = (net.central_cpu_s(), net.nats_cpu_s(), cpu_seconds(os.getpid()))
        db0, started = net.database_bytes(), time.perf_counter()
        net.probe_window(start=True)

        async def sample_memory() -> None:
            while not stop.is_set():
                rss.append(net.central_rss_mb())
                await _sleep_until(time.perf_counter() + 1, stop)

        async with net.client(limits=httpx.Limits(max_connections=REQUESTS_IN_FLIGHT)) as http:
            work = [asyncio.create_task(store_traffic(sim, mix, random.Random(rng.random()), stop)) for sim in sims]
            work += [asyncio.create_task(sim.heartbeats(stop)) for sim in sims]
            work += [asyncio.create_task(shop.run(http, stop)), asyncio.create_task(sample_memory())]
            await asyncio.sleep(seconds)
            stop.set()
            await asyncio.gather(*work)
        elapsed = time.perf_counter() - started
        net.probe_window(start=False)
        applied_in_window = lags.applied
        cpu1 = (net.central_cpu_s(), net.nats_cpu_s(), cpu_seconds(os.getpid()))
        heartbeats = lags.heartbeats
        await _wait_applied(sims, 60)  # what was published late still counts towards the lag
        grown = net.database_bytes() - db0
        phases = (await net.probe_summary()).get("phases", {})
        await asyncio.gather(*(sim.close() for sim in sims))
        progress("traffic stopped, every event applied or given up on; stopping central")
    offered = lags.published / elapsed
    lag_p99 = percentile(lags.ms, 99) if lags.ms else float("inf")
    events_per_day = offered * DAY_FACTOR
    per_event = grown / max(1, lags.published)
    return Report(
        stores=stores, seconds=round(elapsed, 1), offered_events_per_s=offered,
        applied_events_per_s=applied_in_window / elapsed, heartbeats_per_s=heartbeats / elapsed,
        ingest_lag_p50_ms=percentile(lags.ms, 50) if lags.ms else float("inf"), ingest_lag_p99_ms=lag_p99,
        not_applied_at_end=lags.published - lags.applied,
        atp_p50_ms=_p(shop.atp_ms, 50), atp_p99_ms=_p(shop.atp_ms, 99), atp_reads=len(shop.atp_ms),
        order_p50_ms=_p(shop.order_ms, 50), order_p99_ms=_p(shop.order_ms, 99), orders=len(shop.order_ms),
        request_errors=shop.errors, request_error_kinds=shop.error_kinds,
        central_cpu_share=(cpu1[0] - cpu0[0]) / elapsed, nats_cpu_share=(cpu1[1] - cpu0[1]) / elapsed,
        simulator_cpu_share=(cpu1[2] - cpu0[2]) / elapsed,
        central_rss_mb=rss[-1] if rss else 0.0, central_rss_max_mb=max(rss, default=0.0),
        db_bytes_per_event=per_event, db_gb_per_day=per_event * events_per_day / 1e9, events_per_day=events_per_day,
        keeps_up=lags.published - lags.applied == 0 and applied_in_window >= 0.95 * lags.published
        and lag_p99 < 2000, phases=phases)


def _p(values: list[float], p: float) -> float:
    return percentile(values, p) if values else float("nan")


async def _wait_applied(sims: list[SimulatedStore], timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and any(sim.applied_seq < sim.seq for sim in sims):
        await asyncio.sleep(0.1)


def table(reports: list[Report]) -> str:
    rows = [("stores", "{:,}", "stores"), ("events offered/s", "{:,.0f}", "offered_events_per_s"),
            ("events applied/s", "{:,.0f}", "applied_events_per_s"),
            ("ingest lag p50 ms", "{:,.0f}", "ingest_lag_p50_ms"), ("ingest lag p99 ms", "{:,.0f}", "ingest_lag_p99_ms"),
            ("not applied at end", "{:,}", "not_applied_at_end"),
            ("ATP p50 ms", "{:,.0f}", "atp_p50_ms"), ("ATP p99 ms", "{:,.0f}", "atp_p99_ms"),
            ("ATP reads", "{:,}", "atp_reads"),
            ("order p50 ms", "{:,.0f}", "order_p50_ms"), ("order p99 ms", "{:,.0f}", "order_p99_ms"),
            ("orders placed", "{:,}", "orders"), ("request errors", "{:,}", "request_errors"),
            ("central CPU (cores)", "{:.2f}", "central_cpu_share"), ("nats-server CPU (cores)", "{:.2f}", "nats_cpu_share"),
            ("simulator CPU (cores)", "{:.2f}", "simulator_cpu_share"),
            ("central RSS MB (end / max)", None, None), ("DB bytes per event", "{:,.0f}", "db_bytes_per_event"),
            ("events per day", "{:,.0f}", "events_per_day"), ("DB GB per day", "{:.2f}", "db_gb_per_day"),
            ("keeps up", None, "keeps_up")]
    lines = []
    for label, fmt, key in rows:
        cells = []
        for r in reports:
            if key is None:
                cells.append(f"{r.central_rss_mb:,.0f} / {r.central_rss_max_mb:,.0f}")
            elif fmt is None:
                cells.append("yes" if getattr(r, key) else "NO")
            else:
                cells.append(fmt.format(getattr(r, key)))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    header = "| measure | " + " | ".join(f"{r.stores:,} stores" for r in reports) + " |"
    return "\n".join([header, "|---|" + "---|" * len(reports), *lines])


def phase_table(reports: list[Report], top: int = 30) -> str:
    """Where central's time went: each phase's total as a share of the window's wall time (several threads: shares
    add up past 1), its p99, its longest and count. Background passes are named `pass: …`."""
    names = sorted({name for r in reports for name in r.phases},
                   key=lambda name: -max(r.phases.get(name, {}).get("share_of_wall", 0) for r in reports))[:top]
    header = "| central phase | " + " | ".join(f"{r.stores:,} stores: share · p99 · max ms · count"
                                                for r in reports) + " |"
    lines = [header, "|---|" + "---|" * len(reports)]
    for name in names:
        cells = []
        for r in reports:
            phase = r.phases.get(name)
            cells.append(f"{phase['share_of_wall']:.2f} · {phase['p99_ms']:,.1f} · {phase['max_ms']:,.0f} · "
                         f"{phase['count']:,}" if phase else "—")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, action="append", required=True,
                        help="simulated stores (repeat for several runs, e.g. --stores 50 --stores 200)")
    parser.add_argument("--minutes", type=float, default=1.0, help="peak traffic per run (default 1)")
    parser.add_argument("--seconds", type=float, help="instead of --minutes")
    parser.add_argument("--sales-per-s", type=float, default=Mix.sales_per_s, help="sales a second per store")
    parser.add_argument("--products", type=int, default=200, help="products in the catalog (default 200)")
    parser.add_argument("--orders-per-s", type=float,
                        help="online orders a second for the whole network (default: 1 per 100 stores, at least 0.5); "
                             "ATP is read ten times as often")
    parser.add_argument("--out", type=Path, default=Path("network-results.json"))
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    reports = []
    for stores in args.stores:
        with tempfile.TemporaryDirectory(prefix="omnistore-network-") as tmp:
            mix = Mix.for_network(stores, args.sales_per_s, args.orders_per_s)
            print(f"… {stores} stores: {mix}", flush=True)
            began = time.perf_counter()
            reports.append(asyncio.run(simulate(
                Path(tmp), stores, seconds, mix, products=args.products,
                progress=lambda text: print(f"  [{time.perf_counter() - began:5.1f} s] {text}", flush=True))))
    print()
    print(table(reports))
    print()
    print(phase_table(reports))
    load = os.getloadavg()
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs; "
          f"python {sys.version.split()[0]}")
    args.out.write_text(json.dumps({"load_average": load, "cpus": os.cpu_count(), "seconds": seconds,
                                    "results": [r.as_json() for r in reports]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
