"""What routes depend on: the running service and a token with the right scope."""

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from central.bootstrap import CentralService
from central.domain.scopes import Scope
from central.services.tokens import token_hash
from shared.web.idempotency import for_caller

_bearer = HTTPBearer(auto_error=False, description="A token made with `omnistore central tokens create` or "
                                                   "POST /v1/tokens, or the admin token.")


async def _service(request: Request) -> CentralService:
    return request.app.state.service


ServiceDep = Annotated[CentralService, Depends(_service)]


def scope(needed: Scope):
    """A dependency that lets the request through only with a token granting `needed`."""

    def check(service: ServiceDep,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> set[Scope]:
        # Plain def: it reads SQLite, so FastAPI runs it in its thread pool.
        return service.tokens.check(f"Bearer {credentials.credentials}" if credentials else None, needed)

    return Depends(check)


AdminDep = Annotated[set[Scope], scope(Scope.ADMIN)]
OrdersDep = Annotated[set[Scope], scope(Scope.ORDERS)]
ReadDep = Annotated[set[Scope], scope(Scope.READ)]
CursorQuery = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]


def _idempotency_key(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                     key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                                       description="The same key and body from the same token "
                                                                   "answer the original result.")] = None) -> str | None:
    # Routes that take a key also check the token, so a request that gets this far has a real one.
    caller = token_hash(credentials.credentials) if credentials is not None else "anonymous"
    return for_caller(f"token:{caller}", key)


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
