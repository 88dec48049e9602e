"""API tokens (admin): made here and shown once, revoked by name."""

from fastapi import APIRouter, Response
from pydantic import Field

from central.api.deps import AdminDep, ServiceDep
from central.api.responses import NewToken
from central.domain.scopes import Scope
from shared.contract.models import Strict
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


class TokenBody(Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$",
                      description="Who or what uses the token, e.g. webshop.")
    scopes: list[Scope] = Field(min_length=1, description="admin, orders (includes read) or read.")


# No Idempotency-Key here: replaying the answer would mean storing the token itself. A repeat with
# the same name answers 409 token_exists, which is the natural guard against a double submit.
@router.post("", status_code=201, summary="Make a token; the answer is the only time it is shown (admin)",
             response_model=NewToken)
def create_token(body: TokenBody, service: ServiceDep, _: AdminDep) -> dict:
    return service.tokens.create(body.name, body.scopes, utc_now())


@router.delete("/{name}", status_code=204, summary="Revoke a token (admin)")
def delete_token(name: str, service: ServiceDep, _: AdminDep) -> Response:
    service.tokens.revoke(name, utc_now())
    return Response(status_code=204)
