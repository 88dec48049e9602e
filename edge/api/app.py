"""`create_app(settings)`: the store's local API, its database and its sync loops, on one event loop."""

import asyncio
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI

from edge.api.routes import fulfilments as fulfilment_routes
from edge.api.routes import health, login, network, products, returns, sales, stock, sync, tasks
from edge.api.routes import printing as print_routes
from edge.api.state import EdgeState
from edge.auth import Sessions
from edge.command_inbox import CommandInbox
from edge.count_service import CountService
from edge.db import open_database, read_epoch
from edge.fulfilment_service import Fulfilments
from edge.network_atp import NetworkAtp
from edge.online_orders import OnlineOrders
from edge.other_receipts import OtherStoreReceipts
from edge.printing.documents import StoreHeader
from edge.printing.service import Printing
from edge.returns_service import ReturnsService
from edge.sales_service import SalesService
from edge.settings import EdgeSettings, version
from edge.stock_service import StockService
from edge.sync.agent import SyncAgent
from edge.timers import run_timers
from edge.wakeup import Wakeup
from shared.clock import utc_now
from shared.problems import install_problem_handlers
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def create_app(settings: EdgeSettings, *, with_nats: bool = True, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """The edge agent's app; `with_nats=False` serves the API without any NATS link (offline from the start)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = open_database(settings.db_path)
        with db.read() as conn:
            epoch = read_epoch(conn)
        wakeup = Wakeup(asyncio.get_running_loop())
        printer = Printing(settings.printing_settings(),
                           StoreHeader(settings.store_name, settings.store_id, tuple(settings.store_address),
                                       settings.tax_id, timezone=settings.timezone))
        spool = printer.worker(db, clock)
        spool.start()

        def committed() -> None:  # a change committed: publish its event, print its paper
            wakeup.notify()
            spool.wake()

        fulfilments = Fulfilments(db, committed, printing=printer)
        inbox = CommandInbox(db, fulfilments, committed)
        agent = (SyncAgent(settings, db, epoch, wakeup, clock, carry_out_commands=lambda: inbox.apply_pending(clock()),
                           printer_states=printer.status)
                 if with_nats else None)
        link = lambda: agent.link if agent is not None else None  # noqa: E731 — central's requests go over it
        sessions = Sessions(db, timedelta(minutes=settings.token_idle_minutes))
        sales = SalesService(db, sessions, store_id=settings.store_id, currency=settings.currency,
                             online=lambda: agent is not None and agent.online, on_commit=committed,
                             printing=printer)
        app.state.edge = EdgeState(settings=settings, db=db, stock=StockService(db, wakeup.notify),
                                   counts=CountService(db, wakeup.notify),
                                   sessions=sessions, sales=sales, fulfilments=fulfilments,
                                   returns=ReturnsService(db, sessions, store_id=settings.store_id,
                                                          currency=settings.currency, on_commit=committed,
                                                          printing=printer),
                                   agent=agent, clock=clock, printing=printer, spool=spool,
                                   network_atp=NetworkAtp(db, link, settings.store_id, settings.atp_timeout_s, clock),
                                   online_orders=OnlineOrders(link, settings.store_id, settings.atp_timeout_s),
                                   other_receipts=OtherStoreReceipts(link, settings.store_id, settings.atp_timeout_s))
        if agent is not None:
            agent.start()
        timers = asyncio.create_task(run_timers(inbox, fulfilments, clock, settings.timer_interval_s))
        log.info("edge agent for %s serving; database %s, epoch %s", settings.store_id, settings.db_path, epoch)
        try:
            yield
        finally:
            await cancel_and_wait([timers])
            if agent is not None:
                await agent.stop()
            await spool.stop()
            db.close()

    app = FastAPI(title=f"omnistore edge agent — {settings.store_name}", version=version(), lifespan=lifespan,
                  description="The local API of one store: sign-in, catalog, stock, sales, returns, "
                              "fulfilments, printing, network ATP, sync status.")
    install_problem_handlers(app)
    app.include_router(health.router)
    for module in (login, products, stock, sales, returns, fulfilment_routes, tasks, print_routes, network, sync):
        app.include_router(module.router, prefix="/v1")
    return app
