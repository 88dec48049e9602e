"""The store agent's own app served from the test process: real HTTP on a loopback port, no NATS, no central.

The UI's EdgeClient talks to it exactly as at a counter; only the agent's process is saved. Its routes are plain
`def`, so uvicorn serves them from its own thread and event loop while the UI runs on the test's.
"""

import json
import threading
from pathlib import Path

import httpx
import uvicorn
from pydantic import TypeAdapter

from edge.api.app import create_app
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from shared.runtime.clock import utc_now
from tests.conftest import free_port
from tests.edge_commands import deliver_to
from tests.processes import ASSOCIATE, MANAGER
from tests.waiting import poll


class InProcessStore:
    """One store's agent, offline from the start, its catalog put in place as central's catalog sync would."""

    def __init__(self, root: Path, store_id: str, name: str, products: list[dict]):
        self.prints = root / "prints"
        settings = EdgeSettings(store_id=store_id, store_name=name, db_path=root / f"edge-{store_id}.db",
                                print_dir=self.prints)
        db = open_database(settings.db_path)
        with db.write() as conn:
            for product in products:
                upsert_product(conn, CatalogProduct(**product))
        save_associates(db, TypeAdapter(list[AssociateIn]).validate_json(json.dumps([ASSOCIATE, MANAGER])), utc_now())
        db.close()
        self.url = f"http://127.0.0.1:{free_port()}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(settings, with_nats=False), host="127.0.0.1",
                                                    port=int(self.url.rsplit(":", 1)[1]), log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name=f"edge-{store_id}", daemon=True)
        self.api = httpx.Client(base_url=self.url, timeout=10)

    def start(self) -> "InProcessStore":
        self.thread.start()
        poll(lambda: self.server.started or not self.thread.is_alive(), 10, what="the in-process store agent starts")
        assert self.server.started, "the in-process store agent did not start (see the log above)"
        token = self.api.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()
        self.api.headers["Authorization"] = f"Bearer {token['token']}"
        return self

    def deliver(self, type_: str, payload: dict) -> None:
        """Central's command into the agent's inbox, carried out as the command follower would (there is no NATS)."""
        deliver_to(self.server.config.app.state.edge, type_, payload)

    def on_hand(self, sku: str) -> int:
        return self.api.get(f"/v1/stock/{sku}").json()["on_hand"]

    def stop(self) -> None:
        self.api.close()
        self.server.should_exit = True
        self.thread.join(10)
