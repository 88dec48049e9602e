"""What the routes reach through `request.app.state.edge` while the app runs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from edge.auth import Sessions
from edge.count_service import CountService
from edge.epochs import read_epoch
from edge.fulfilment_service import Fulfilments
from edge.network_atp import NetworkAtp
from edge.online_orders import OnlineOrders
from edge.other_receipts import OtherStoreReceipts
from edge.printing.service import Printing
from edge.printing.spool import SpoolWorker
from edge.returns_service import ReturnsService
from edge.sales_service import SalesService
from edge.settings import EdgeSettings
from edge.stock_service import StockService
from edge.sync.agent import SyncAgent
from shared.sqlite import Database


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
    agent: SyncAgent | None
    clock: Callable[[], datetime]
    printing: Printing
    spool: SpoolWorker
    network_atp: NetworkAtp
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
