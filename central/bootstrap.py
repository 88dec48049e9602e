"""Central's composition root: the database, the NATS link and every background loop, on one event loop.

The API keeps answering from SQLite whatever NATS does; the loops wait for the link, and
whatever needs NATS (catalog, commands, consumers) is kept in SQLite or memory until it is back.
SQLite work runs off the event loop (routes in FastAPI's thread pool, the loops' work through
`asyncio.to_thread`), so a long transaction never stalls the API, heartbeats or requests.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry

from central.services.audit import AuditViews
from central.services.catalog import Catalog
from central.services.credit_notes import CreditNotes
from central.services.exports import Exports
from central.services.fulfilment import FulfilmentTracker
from central.services.import_kinds import import_kinds
from central.services.imports import Imports
from central.services.lookups import Lookups
from central.services.metrics import CentralMetrics
from central.services.nodes import Nodes
from central.services.order_changes import OrderChanges
from central.services.orders import Orders
from central.services.reports import Reports
from central.services.returns import apply_return
from central.services.safety_stock import SafetyStocks
from central.services.shipments import Shipments
from central.services.supply import Supply
from central.services.tokens import Tokens
from central.services.transfers import Transfers
from central.services.waiting_orders import WaitingOrders
from central.services.webhooks import Webhooks
from central.settings import CentralSettings
from central.store import receipts as store_receipts
from central.store.node_facts import NodeFacts
from central.store.schema import open_database
from central.sync.catalog import CatalogPublisher
from central.sync.commands import CommandPublisher
from central.sync.consumers import StoreConsumers
from central.sync.heartbeats import HeartbeatRecorder
from central.sync.ingest import Ingest
from central.sync.requests import RequestResponder
from central.sync.resync import Resync
from central.webhooks.delivery import WebhookDispatcher
from shared.contract import subjects
from shared.contract.events import (
    EventEnvelope,
    ReturnRecorded,
    SaleRecorded,
    ShipmentShipped,
)
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.streams import ensure_streams
from shared.runtime.tasks import cancel_and_wait
from shared.runtime.tls import client_context

log = logging.getLogger(__name__)


class CentralService:
    """`with_nats=False` leaves the link unstarted and runs no NATS loop: the API, orders, routing and webhooks
    work from SQLite alone (service tests), and whatever is meant for NATS waits in the outboxes."""

    def __init__(self, settings: CentralSettings, *, with_nats: bool = True,
                 registry: CollectorRegistry | None = None):
        self.settings = settings
        self.with_nats = with_nats
        self.db = open_database(settings.db_path)
        self.node_facts = NodeFacts(self.db)  # every node's facts in memory: ATP and routing join nothing per node
        self.link = NatsLink(settings.nats_servers, user=settings.nats_user, password=settings.nats_secret(),
                             inbox_prefix=subjects.CENTRAL_INBOX_PREFIX, name="central",
                             tls=client_context(settings.nats_ca_file))
        self.metrics = CentralMetrics(registry or CollectorRegistry(), self.db, lambda: self.link.online, utc_now)
        self.catalog = Catalog(self.db, settings, published=lambda: self.catalog_publisher.wake(), now=utc_now())
        self.catalog_publisher = CatalogPublisher(self.db, self.link, default_policy=self.catalog.policy)
        self.commands = CommandPublisher(self.db, self.link)
        self.consumers = StoreConsumers(self.db, self.link)
        self.webhook_dispatcher = WebhookDispatcher(self.db, settings)
        self.webhooks = Webhooks(self.db, settings.webhook_allow_private_urls)
        self.tokens = Tokens(self.db, settings.admin_secret())
        self.orders = Orders(self.db, settings, lambda: self.catalog.policy, self._wake_outboxes,
                             routed=self.metrics.routed, facts=self.node_facts)
        self.audit = AuditViews(self.db)
        self.exports = Exports(self.db)
        self.lookups = Lookups(self.db, settings, lambda: self.catalog.policy, self.node_facts)
        self.reports = Reports(self.db, settings, lambda: self.catalog.policy, self.node_facts)
        self.order_changes = OrderChanges(self.db, self.orders, self._wake_outboxes)
        self.fulfilment = FulfilmentTracker(self.db, self.orders, self._wake_outboxes, self.order_changes)
        self.shipments = Shipments(self.db, self.orders, settings.tracking_urls, self._wake_outboxes)
        self.waiting = WaitingOrders(self.db, self.orders, self._wake_outboxes)
        self.supply = Supply(self.db, self.orders, self.waiting, self._wake_outboxes)
        self.transfers = Transfers(self.db, self.supply, self.waiting, lambda: self.catalog.policy,
                                   self._wake_outboxes)
        self.nodes = Nodes(self.db, settings, store_registered=self.consumers.request,
                           stock_changed=self.waiting.stock_changed)
        self.imports = Imports(self.db, import_kinds(catalog_changed=lambda: self.catalog_publisher.wake(),
                                                     store_registered=self.consumers.request,
                                                     stock_changed=self.waiting.stock_changed))
        self.safety_stock = SafetyStocks(self.db, lambda: self.catalog.policy.safety_stock_default,
                                         self.waiting.stock_changed)
        self._sale_rows = store_receipts.SaleRows()  # written by ingest at the end of each store's run of events
        self.ingest = Ingest(self.db, self.link, on_event=self._on_event, park_limit=settings.park_limit_per_store,
                             on_applied=self.metrics.ingested, pending_writes=self._sale_rows)
        self.resync = Resync(self.db, self.commands, settings.resend_after)
        self.heartbeats = HeartbeatRecorder(self.db, self.link)
        self.credit_notes = CreditNotes(self.db, timedelta(seconds=settings.credit_hold_lapse_s))
        self.responder = RequestResponder(self.db, self.link, settings, lambda: self.catalog.policy,
                                          credit=self.credit_notes.carry_out, facts=self.node_facts)
        self.ready = asyncio.Event()  # streams ensured and subscriptions made
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        # Before anything reads the projection: what waited for this release is applied, once.
        await asyncio.to_thread(self.ingest.apply_deferred)
        self._spawn(self.webhook_dispatcher.run(), "central-webhooks")  # HTTP only: it needs no NATS
        self._spawn(self.waiting.run(self.settings.waiting_orders_every_s), "central-waiting-orders")
        self._spawn(self.imports.run(), "central-imports")
        self._spawn(self.audit.run_pruning(timedelta(days=self.settings.applied_events_days)),
                    "central-audit-pruning")
        if self.with_nats:
            self.link.start()
            self.consumers.request_all_registered()
            self._spawn(self._set_up_nats(), "central-setup")

    def _on_event(self, conn, store_id: str, envelope: EventEnvelope, payload, now: datetime) -> None:
        """Ingest's hook, inside its batch transaction (in ingest's worker thread): orders follow the stores'
        events."""
        if isinstance(payload, ShipmentShipped):  # first, so the status change it causes carries the tracking
            self.shipments.record_store_shipment(conn, store_id, envelope, payload, now)
        self.fulfilment.apply(conn, store_id, envelope, payload, now)
        self.transfers.apply(conn, store_id, envelope, payload, now)
        if isinstance(payload, ReturnRecorded):
            apply_return(conn, store_id, envelope, payload, now)
            store_receipts.record_return(conn, store_id, envelope, payload, now)
            store_receipts.note_number(conn, store_id, "return", payload.return_number)
            self.credit_notes.apply_return(conn, store_id, envelope, payload, now)
            for refund in payload.refunds:
                if refund.reference:
                    store_receipts.note_number(conn, store_id, "credit", refund.reference)
        elif isinstance(payload, SaleRecorded):
            self._sale_rows.add(store_id, envelope, payload, now)
            self.credit_notes.apply_sale(conn, store_id, envelope, payload, now)
        if getattr(payload, "stock", None) or getattr(payload, "levels", None):
            self.waiting.stock_changed()  # the pass runs after this batch commits

    def _wake_outboxes(self) -> None:
        """After a transaction that may have queued commands or webhook deliveries; safe from any thread."""
        self.commands.wake()
        self.webhook_dispatcher.wake()

    def _spawn(self, coroutine, name: str) -> None:
        self._tasks.append(asyncio.create_task(coroutine, name=name))

    async def _set_up_nats(self) -> None:
        """Once the link is up: streams, core subscriptions, then every loop. Retried until it works."""
        while True:
            await self.link.wait_online()
            try:
                await ensure_streams(self.link.js, self.settings.stream_replicas)
                await self.ingest.subscribe()
                await self.heartbeats.subscribe()
                await self.responder.subscribe()
                break
            except Exception as e:
                log.warning("NATS set-up not done yet: %s", e or type(e).__name__)
                await asyncio.sleep(1)
        # Ask for missing events a few times per resend interval, and not slower than once a second.
        tick = min(1.0, self.settings.resend_after_s / 4)
        for coroutine, name in ((self.ingest.run(), "central-ingest"), (self.commands.run(), "central-commands"),
                                (self.catalog_publisher.run(), "central-catalog"), (self.consumers.run(), "central-consumers"),
                                (self.ingest.repeat_watermarks(self.settings.ack_interval_s), "central-watermarks"),
                                (self.resync.run(tick), "central-resync"),
                                # Only while central hears the stores: offline, it cannot know who answered.
                                (self.fulfilment.run(0.5, lambda: self.link.online), "central-accept-timeouts")):
            self._spawn(coroutine, name)
        self.ready.set()
        log.info("central is connected to NATS and consuming")

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        await asyncio.to_thread(self.imports.wait_idle)  # a batch being applied commits before the database closes
        await self.link.close()
        self.metrics.close()
        self.db.close()
