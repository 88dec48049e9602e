"""The store's Prometheus figures (docs/edge.md, "Metrics"), all read when Prometheus scrapes: the outbox backlog,
each printer's queue, the sales made, the link to central. Nothing is counted on the sale path."""

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from edge.printing.spool import queues
from edge.store import metrics as figures
from edge.store import outbox
from shared.runtime.clock import from_text
from shared.runtime.sqlite import Database, Reader
from shared.web.metrics import ScrapeCollector


class EdgeMetrics:
    """Registered on the app's registry while the agent runs; `close()` takes them off again."""

    def __init__(self, registry: CollectorRegistry, db: Database, store_id: str, printers: list[str],
                 online: Callable[[], bool], clock: Callable[[], datetime]):
        self._registry, self._store_id = registry, store_id
        self._printers, self._online, self._clock = printers, online, clock
        self._reader = Reader(db.path)  # a scrape never waits for nor holds the writer's lock
        self._collector = ScrapeCollector(self._read)
        registry.register(self._collector)

    def close(self) -> None:
        self._registry.unregister(self._collector)
        self._reader.close()

    def _read(self) -> Iterator[Metric]:
        now = self._clock()
        with self._reader.read() as conn:
            counts = outbox.counters(conn)
            printing = queues(conn)
            sales = figures.sales_numbered(conn)
        store = [self._store_id]
        backlog = GaugeMetricFamily("omnistore_edge_outbox_backlog",
                                    "Events written at the store and not yet taken by NATS (published).",
                                    labels=["store"])
        backlog.add_metric(store, counts.backlog)
        oldest = GaugeMetricFamily("omnistore_edge_outbox_oldest_unsent_seconds",
                                   "Age of the oldest event not yet published (0 when none waits).", labels=["store"])
        age = (now - from_text(counts.oldest_unsent_at)).total_seconds() if counts.oldest_unsent_at else 0.0
        oldest.add_metric(store, max(0.0, age))
        queued = GaugeMetricFamily("omnistore_edge_print_queue", "Print jobs waiting for their printer, by printer.",
                                   labels=["store", "printer"])
        failing = GaugeMetricFamily("omnistore_edge_printer_failing",
                                    "1 while a printer has a job it failed to print, else 0, by printer.",
                                    labels=["store", "printer"])
        for printer in sorted(set(self._printers) | set(printing)):
            waiting, failed = printing.get(printer, (0, False))
            queued.add_metric([*store, printer], waiting)
            failing.add_metric([*store, printer], 1 if failed else 0)
        sold = CounterMetricFamily("omnistore_edge_sales", "Walk-in sales recorded at the store: rate() of it is "
                                   "sales per second, times 60 per minute.", labels=["store"])
        sold.add_metric(store, sales)
        online = GaugeMetricFamily("omnistore_edge_online", "1 while the store's link to NATS is up, else 0.",
                                   labels=["store"])
        online.add_metric(store, 1 if self._online() else 0)
        return iter([backlog, oldest, queued, failing, sold, online])
