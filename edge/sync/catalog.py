"""Central's catalog (`CATALOG` stream, durable `catalog-<store>`, last message per subject) into the store."""

import asyncio
import json
import logging

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from edge.store.products import put_catalog_setting, upsert_product
from edge.sync.consumer import ConsumerFollower
from edge.sync.context import SyncContext
from shared.contract import subjects
from shared.contract.events import CatalogKeys, CatalogPolicy, CatalogProduct

log = logging.getLogger(__name__)

BATCH = 100
PRODUCT_PREFIX = "omni.catalog.product."
SETTINGS = {subjects.CATALOG_POLICY: ("policy", CatalogPolicy), subjects.CATALOG_KEYS: ("keys", CatalogKeys)}


def _product(data: bytes) -> CatalogProduct:
    raw = json.loads(data)
    if not isinstance(raw, dict):
        raise ValueError("a product is a JSON object")
    # Read leniently: a newer central may add fields this version does not know.
    return CatalogProduct.model_validate({k: v for k, v in raw.items() if k in CatalogProduct.model_fields})


class CatalogFollower:
    def __init__(self, ctx: SyncContext):
        self._ctx = ctx
        self.follower = ConsumerFollower(ctx, subjects.CATALOG_STREAM, subjects.catalog_consumer(ctx.store_id),
                                         BATCH, self._handle)

    async def run(self) -> None:
        await self.follower.run()

    async def _handle(self, messages: list[Msg]) -> None:
        good, bad = [], []
        for msg in messages:
            try:
                good.append((msg, self._read(msg)))
            except (ValueError, ValidationError) as e:
                log.error("catalog message on %s cannot be used and is dropped: %s", msg.subject, e)
                bad.append(msg)
        await asyncio.to_thread(self._store, [item for _, item in good if item is not None])
        for msg, _ in good:
            await msg.ack()
        for msg in bad:
            await msg.term()

    @staticmethod
    def _read(msg: Msg) -> tuple[str, BaseModel] | None:
        if msg.subject.startswith(PRODUCT_PREFIX):
            return "product", _product(msg.data)
        if msg.subject in SETTINGS:
            key, model = SETTINGS[msg.subject]
            return key, model.model_validate_json(msg.data)
        log.info("ignoring catalog subject %s this version does not know", msg.subject)
        return None

    def _store(self, items: list[tuple[str, BaseModel]]) -> None:
        with self._ctx.db.write() as conn:
            for key, value in items:
                if key == "product":
                    upsert_product(conn, value)
                else:
                    put_catalog_setting(conn, key, value.model_dump_json())
