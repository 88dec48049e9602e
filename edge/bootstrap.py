"""The edge agent's composition root: the database, the printing spool, the services, the NATS sync agent and the
store's own timers, wired once, on the running event loop; `create_app` serves them over HTTP."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.printing.documents import StoreHeader
from edge.printing.service import Printing
from edge.printing.spool import SpoolWorker
from edge.services.access import Sessions
from edge.services.commands import CommandInbox
from edge.services.fulfilment import Fulfilments
from edge.services.returns import ReturnsService
from edge.services.sales import SalesService
from edge.services.stock import CountService, StockService
from edge.services.timers import run_timers
from edge.services.transfers import Transfers
from edge.settings import EdgeSettings
from edge.store.epochs import read_epoch
from edge.store.schema import open_database
from edge.sync.agent import SyncAgent
from edge.sync.credit_notes import CentralCreditNotes
from edge.sync.network_atp import NetworkAtpLookup
from edge.sync.online_orders import OnlineOrders
from edge.sync.other_receipts import OtherStoreReceipts
from shared.runtime.clock import utc_now
from shared.runtime.sqlite import Database
from shared.runtime.tasks import cancel_and_wait
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)


@dataclass
class EdgeState:
    settings: EdgeSettings
    db: Database
    stock: StockService
    counts: CountService
    sessions: Sessions
    sales: SalesService
    returns: ReturnsService
    fulfilments: Fulfilments
    transfers: Transfers
    agent: SyncAgent | None
    clock: Callable[[], datetime]
    printing: Printing
    spool: SpoolWorker
    network_atp: NetworkAtpLookup
    online_orders: OnlineOrders
    other_receipts: OtherStoreReceipts

    @property
    def epoch(self) -> str:
        """The database's current epoch (a restored database opens a new one while the agent runs)."""
        with self.db.read() as conn:
            return read_epoch(conn)

    @property
    def online(self) -> bool:
        """The NATS link is up right now."""
        return self.agent is not None and self.agent.online


@asynccontextmanager
async def running_edge(settings: EdgeSettings, *, with_nats: bool = True,
                       clock: Callable[[], datetime] = utc_now) -> AsyncIterator[EdgeState]:
    """The agent, running until the block ends; `with_nats=False` runs it without any NATS link (offline)."""
    db = open_database(settings.db_path)
    with db.read() as conn:
        epoch = read_epoch(conn)
    wakeup = Wakeup()
    printer = Printing(settings.printing_settings(),
                       StoreHeader(settings.store_name, settings.store_id, tuple(settings.store_address),
                                   settings.tax_id, timezone=settings.timezone))
    spool = printer.worker(db, clock)
    spool.start()

    def committed() -> None:  # a change committed: publish its event, print its paper
        wakeup.notify()
        spool.wake()

    fulfilments = Fulfilments(db, committed, printing=printer)
    transfers = Transfers(db, settings.store_id, committed, printing=printer)
    inbox = CommandInbox(db, fulfilments, committed, transfers)
    inbox.release_understood()  # what waited for this release: carried out by the first pass below
    agent = (SyncAgent(settings, db, epoch, wakeup, clock, carry_out_commands=lambda: inbox.apply_pending(clock()),
                       printer_states=printer.status)
             if with_nats else None)
    link = lambda: agent.link if agent is not None else None  # noqa: E731 — central's requests go over it
    sessions = Sessions(db, timedelta(minutes=settings.token_idle_minutes))
    sales = SalesService(db, sessions, store_id=settings.store_id, currency=settings.currency,
                         online=lambda: agent is not None and agent.online, on_commit=committed,
                         printing=printer,
                         credit=CentralCreditNotes(link, settings.store_id, settings.atp_timeout_s,
                                                   asyncio.get_running_loop()))
    state = EdgeState(settings=settings, db=db, stock=StockService(db, wakeup.notify, clock),
                       counts=CountService(db, wakeup.notify),
                       sessions=sessions, sales=sales, fulfilments=fulfilments, transfers=transfers,
                       returns=ReturnsService(db, sessions, store_id=settings.store_id,
                                              currency=settings.currency, on_commit=committed,
                                              printing=printer),
                       agent=agent, clock=clock, printing=printer, spool=spool,
                       network_atp=NetworkAtpLookup(db, link, settings.store_id, settings.atp_timeout_s, clock),
                       online_orders=OnlineOrders(link, settings.store_id, settings.atp_timeout_s),
                       other_receipts=OtherStoreReceipts(link, settings.store_id, settings.atp_timeout_s))
    if agent is not None:
        agent.start()
    timers = asyncio.create_task(run_timers(inbox, fulfilments, clock, settings.timer_interval_s))
    log.info("edge agent for %s serving; database %s, epoch %s", settings.store_id, settings.db_path, epoch)
    try:
        yield state
    finally:
        await cancel_and_wait([timers])
        if agent is not None:
            await agent.stop()
        await spool.stop()
        db.close()
