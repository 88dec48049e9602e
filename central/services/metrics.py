"""Central's Prometheus figures (docs/central.md, "Metrics"): what happens is counted as it happens (events ingested,
routing time); what central's tables hold is read when Prometheus scrapes (pending events, ingest lag, orders by
status, the webhook backlog)."""

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from central.domain.orders import OrderStatus
from central.store import metrics as figures
from shared.runtime.sqlite import Database, Reader
from shared.web.metrics import ScrapeCollector

# Seconds to decide where an order's lines go: well under a millisecond for a few stores, more over thousands.
ROUTING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class CentralMetrics:
    """Registered on the app's registry while the service runs; `close()` takes them off again."""

    def __init__(self, registry: CollectorRegistry, db: Database, online: Callable[[], bool],
                 clock: Callable[[], datetime]):
        self._registry, self._online, self._clock = registry, online, clock
        self.events_ingested = Counter(
            "omnistore_central_events_ingested", "Store events that took their place in their store's order at "
                                                 "central (applied, or dead-lettered in place), by store.",
            ["store"], registry=None)
        self.routing = Histogram("omnistore_central_routing_duration_seconds",
                                 "Time to decide where an order's lines go (reading the candidates and planning).",
                                 registry=None, buckets=ROUTING_BUCKETS)
        self._reader = Reader(db.path)  # a scrape never waits for nor holds the writer's lock
        self._scraped = ScrapeCollector(self._read)
        self._collectors = (self.events_ingested, self.routing, self._scraped)
        for collector in self._collectors:
            registry.register(collector)

    def close(self) -> None:
        for collector in self._collectors:
            self._registry.unregister(collector)
        self._reader.close()

    def ingested(self, counts: dict[str, int]) -> None:
        """After an ingest batch committed: how many events of each store took their place."""
        for store_id, n in counts.items():
            if n:
                self.events_ingested.labels(store_id).inc(n)

    def routed(self, seconds: float) -> None:
        self.routing.observe(seconds)

    def _read(self) -> Iterator[Metric]:
        now = self._clock()
        with self._reader.read() as conn:
            stores = figures.store_ingest(conn)
            statuses = figures.orders_by_status(conn)
            backlog, oldest = figures.webhook_backlog(conn)
        pending = GaugeMetricFamily("omnistore_central_events_pending",
                                    "Events a store's last heartbeat says it has written that central has not "
                                    "applied yet, by store.", labels=["store"])
        parked = GaugeMetricFamily("omnistore_central_events_parked",
                                   "Events of a store central holds parked above a gap, by store.", labels=["store"])
        lag = GaugeMetricFamily("omnistore_central_ingest_lag_seconds",
                                "How long central has lacked events a store says it has written (0 while it has "
                                "them all), by store.", labels=["store"])
        for store in stores:
            pending.add_metric([store.store_id], store.pending)
            parked.add_metric([store.store_id], store.parked)
            behind = (now - store.behind_since).total_seconds() if store.behind_since else 0.0
            lag.add_metric([store.store_id], max(0.0, behind))
        orders = GaugeMetricFamily("omnistore_central_orders", "Orders in each status.", labels=["status"])
        for status in OrderStatus:
            orders.add_metric([status.value], statuses.get(status.value, 0))
        webhooks = GaugeMetricFamily("omnistore_central_webhook_backlog",
                                     "Webhook deliveries written and not yet taken (2xx) by their receivers.",
                                     value=backlog)
        webhook_age = GaugeMetricFamily("omnistore_central_webhook_oldest_waiting_seconds",
                                        "Age of the oldest webhook delivery not yet taken (0 when none waits).",
                                        value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        online = GaugeMetricFamily("omnistore_central_nats_online", "1 while central's NATS link is up, else 0.",
                                   value=1 if self._online() else 0)
        return iter([pending, parked, lag, orders, webhooks, webhook_age, online])
