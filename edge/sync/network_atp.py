"""Network available-to-promise for the counter: asked of central over `omni.req.<store>.atp` (core request/reply)
with a short timeout; central's last answer per SKU is kept, so an offline store still answers with the last
known figures and says how old they are."""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from edge.sync.requests import NoAnswer, ask_central
from shared.contract import subjects
from shared.contract.errors import CentralUnreachable, UnknownSku
from shared.contract.events import AtpRequest
from shared.contract.models import Lenient
from shared.runtime.clock import to_text
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


class NetworkFigures(Lenient):
    atp: int
    on_hand: int
    reserved: int


class CentralAtp(Lenient):
    """Central's answer, the same JSON as its `GET /v1/atp/{sku}`; only what the store shows is checked."""

    sku: str
    network: NetworkFigures
    nodes: list[dict] = []


class NetworkAtpLookup:
    def __init__(self, db: Database, link: Callable[[], NatsLink | None], store_id: str, timeout: float,
                 clock: Callable[[], datetime]):
        self._db, self._link, self._store_id, self._timeout, self._clock = db, link, store_id, timeout, clock

    async def lookup(self, sku: str) -> dict:
        """`{sku, source: "central" | "last_known", as_of, network: {atp, on_hand, reserved}, nodes}`."""
        try:
            answer = await self._ask(sku)
        except NoAnswer as e:
            log.info("network ATP of %s from the last known figures: %s", sku, e)
            return await asyncio.to_thread(self._last_known, sku)
        as_of = to_text(self._clock())
        await asyncio.to_thread(self._remember, answer, as_of)
        return {"sku": sku, "source": "central", "as_of": as_of, **answer.model_dump(mode="json", exclude={"sku"})}

    async def _ask(self, sku: str) -> CentralAtp:
        body = await ask_central(self._link(), subjects.atp_request(self._store_id),
                                 AtpRequest(sku=sku).model_dump_json().encode(), self._timeout)
        if isinstance(body, dict) and body.get("code") == "unknown_sku":
            raise UnknownSku(f"Head office does not know the product {sku!r}; check the SKU.", sku=sku)
        try:
            return CentralAtp.model_validate(body)
        except ValidationError as e:
            code = body.get("code") if isinstance(body, dict) else None
            raise NoAnswer(f"central answered {code or 'something unexpected'}") from e

    def _remember(self, answer: CentralAtp, as_of: str) -> None:
        with self._db.write() as conn:
            conn.execute("INSERT INTO network_atp (sku, body, as_of) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE "
                         "SET body = excluded.body, as_of = excluded.as_of",
                         (answer.sku, answer.model_dump_json(), as_of))

    def _last_known(self, sku: str) -> dict:
        with self._db.read() as conn:
            row = conn.execute("SELECT body, as_of FROM network_atp WHERE sku = ?", (sku,)).fetchone()
            known_here = conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone() is not None
        if row is None:
            if not known_here:
                raise UnknownSku(f"No product {sku!r} in this store's catalog, and head office cannot be asked "
                                 "right now; check the SKU.", sku=sku)
            raise CentralUnreachable(f"Head office cannot be reached and has never told this store the network "
                                     f"figures of {sku}; try again when the store is back online.", sku=sku)
        body = json.loads(row["body"])
        return {"sku": sku, "source": "last_known", "as_of": row["as_of"], "network": body["network"],
                "nodes": body.get("nodes", [])}
