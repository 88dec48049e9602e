"""Central as in a deployment (`python -m central serve …`), with per-phase timings taken inside it.

    python -m tests.bench.central_probe <central's own arguments>    # OMNISTORE_PROBE_OUT=<file.json>

Nothing of central changes: timers are wrapped around the database's one connection (time waited for it, time
held, the COMMIT with its fsync, per transaction kind), around ingest's batches, the heartbeat writes, ATP reads,
order placement and every background pass that writes (each by name, `pass: …`), and an event-loop lag probe (how
late a 50 ms sleep wakes up). On exit the totals, counts and percentiles go to the file named by
`OMNISTORE_PROBE_OUT` (SIGUSR1 starts the window they cover, SIGUSR2 writes them at once). The network simulator
reads them to say where central's time goes under load.
"""

import asyncio
import atexit
import functools
import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

from tests.bench.harness import percentile

_SAMPLES: dict[str, list[float]] = defaultdict(list)
_GUARD = threading.Lock()
_KIND = threading.local()  # which wrapped operation the thread is in, for the database's timers
_STARTED = time.perf_counter()


def _record(name: str, seconds: float) -> None:
    with _GUARD:
        _SAMPLES[name].append(seconds * 1000)


def _timed(owner, attribute: str, name: str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        outer = getattr(_KIND, "name", None)
        _KIND.name = outer or name
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _record(name, time.perf_counter() - started)
            _KIND.name = outer

    setattr(owner, attribute, wrapper)


def _install_database_timers() -> None:
    """`Database.write` and `read` as they are, with the wait for the connection, the time it is held and the
    COMMIT (the fsync of WAL + synchronous=FULL) timed, per kind of work."""
    from shared.runtime.sqlite import Database

    @contextmanager
    def write(self):
        kind = getattr(_KIND, "name", None) or "other"
        asked = time.perf_counter()
        with self._lock:
            if self._conn.in_transaction:  # nested: part of the caller's transaction
                yield self._conn
                return
            got = time.perf_counter()
            _record(f"db wait (write, {kind})", got - asked)
            self._conn.execute("BEGIN IMMEDIATE")
            self._here.writing = True
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._here.writing = False
            committing = time.perf_counter()
            self._conn.execute("COMMIT")
            done = time.perf_counter()
            _record("db commit", done - committing)
            _record(f"db held (write, {kind})", done - got)

    original_read = Database.read

    @contextmanager
    def read(self):
        kind = getattr(_KIND, "name", None) or "other"
        asked = time.perf_counter()
        with original_read(self) as conn:
            got = time.perf_counter()
            _record(f"db wait (read, {kind})", got - asked)
            yield conn
            _record(f"db held (read, {kind})", time.perf_counter() - got)

    Database.write, Database.read = write, read


# Every background pass that takes the writer, by the name its time is reported under ("db held (write, <name>)").
BACKGROUND_PASSES = (
    ("central.services.fulfilment", "FulfilmentTracker", "expire_overdue", "pass: accept timeouts (re-route)"),
    ("central.services.waiting_orders", "WaitingOrders", "retry", "pass: waiting orders (backorders)"),
    ("central.sync.resync", "Resync", "check", "pass: resync (gaps per store)"),
    ("central.sync.ingest", "Ingest", "apply_deferred", "pass: deferred events"),
    ("central.sync.commands", "CommandPublisher", "_mark_published", "pass: commands published"),
    ("central.sync.catalog", "CatalogPublisher", "_mark_products_published", "pass: catalog published"),
    ("central.sync.catalog", "CatalogPublisher", "_mark_policy_published", "pass: catalog published"),
    ("central.webhooks.delivery", "WebhookDispatcher", "_record_attempt", "pass: webhook deliveries"),
    ("central.services.audit", "AuditViews", "prune", "pass: audit pruning"),
    ("central.services.imports", "Imports", "carry_out", "pass: imports"),
)


def _install_operation_timers() -> None:
    import importlib

    from central.services.lookups import Lookups
    from central.services.orders import Orders
    from central.sync.heartbeats import HeartbeatRecorder
    from central.sync.ingest import Ingest

    _timed(Ingest, "apply_batch", "ingest batch")
    _timed(HeartbeatRecorder, "record_many", "heartbeat")
    _timed(Lookups, "atp", "atp")
    _timed(Orders, "place", "order")
    for module, owner, attribute, name in BACKGROUND_PASSES:
        _timed(getattr(importlib.import_module(module), owner), attribute, name)


async def _loop_lag() -> None:
    while True:
        started = time.perf_counter()
        await asyncio.sleep(0.05)
        _record("event loop lag", time.perf_counter() - started - 0.05)


def _start_lag_probe() -> None:
    """Central's event loop carries a lag probe from its start on."""
    from central.bootstrap import CentralService

    original = CentralService.start

    async def start(self) -> None:
        await original(self)
        self._spawn(_loop_lag(), "probe-event-loop-lag")

    CentralService.start = start


def summary() -> dict:
    with _GUARD:
        samples = {name: list(values) for name, values in _SAMPLES.items()}
    wall = time.perf_counter() - _STARTED
    return {"wall_s": wall, "phases": {
        name: {"count": len(values), "total_s": sum(values) / 1000, "share_of_wall": sum(values) / 1000 / wall,
               "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99), "max_ms": max(values)}
        for name, values in sorted(samples.items()) if values}}


def _write_summary() -> None:
    out = os.environ.get("OMNISTORE_PROBE_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(summary(), f, indent=2)


def _window(signum, _frame) -> None:
    """SIGUSR1 starts the window the summary covers (what came before is dropped); SIGUSR2 writes the summary."""
    global _STARTED
    if signum == signal.SIGUSR1:
        with _GUARD:
            _SAMPLES.clear()
            _STARTED = time.perf_counter()
    else:
        _write_summary()


def main() -> int:
    _install_database_timers()
    _install_operation_timers()
    _start_lag_probe()
    atexit.register(_write_summary)
    signal.signal(signal.SIGUSR1, _window)
    signal.signal(signal.SIGUSR2, _window)
    from central.cli import main as central_main

    return central_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
