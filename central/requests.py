"""Core request/reply from stores (DESIGN §4): `omni.req.<store>.atp`, answered in queue group "central"."""

import json
import logging

from nats.aio.msg import Msg
from pydantic import ValidationError

from central.atp_query import atp_view
from central.settings import CentralSettings
from shared import subjects
from shared.clock import utc_now
from shared.events import AtpRequest
from shared.nats_link import NatsLink
from shared.problems import Problem, ValidationProblem
from shared.sqlite import Database

log = logging.getLogger(__name__)


class RequestResponder:
    def __init__(self, db: Database, link: NatsLink, settings: CentralSettings):
        self._db, self._link, self._settings = db, link, settings

    async def subscribe(self) -> None:
        await self._link.nc.subscribe("omni.req.*.atp", queue=subjects.CENTRAL_REQUEST_GROUP, cb=self._on_atp)

    async def _on_atp(self, msg: Msg) -> None:
        if not msg.reply:
            return
        await msg.respond(json.dumps(self.answer_atp(msg.data)).encode())

    def answer_atp(self, data: bytes) -> dict:
        """The body of GET /v1/atp/{sku}, or a problem body (with its `code`) the store can act on."""
        try:
            request = AtpRequest.model_validate_json(data)
            with self._db.read() as conn:
                return atp_view(conn, request.sku, utc_now(), self._settings)
        except ValidationError as e:
            return ValidationProblem(f"The ATP request is not valid: {e.errors()[0]['msg']}.").body()
        except Problem as problem:
            return problem.body()
