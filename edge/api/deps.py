"""Typed dependencies of the routes: the running agent's state and the signed-in associate."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from edge.bootstrap import EdgeState
from edge.services.access import Associate
from shared.contract.errors import Forbidden
from shared.contract.models import Role
from shared.web.idempotency import for_caller


# Dependencies that touch no database are `async def`: a plain `def` one costs a hand-off to the thread pool and
# back on every request, and a sale's request would make four of them.
async def get_edge(request: Request) -> EdgeState:
    return request.app.state.edge


_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/login.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class SignIn:
    """A request's sign-in, checked when a route asks for its associate: in the route's own thread, so the hottest
    route (a sale) makes one hand-off to the thread pool instead of two."""

    edge: EdgeState
    token: str | None

    def associate(self) -> Associate:
        return self.edge.sessions.authenticate(self.token, self.edge.clock())


async def sign_in(request: Request, credentials: BearerDep) -> SignIn:
    token = credentials.credentials if credentials is not None and credentials.scheme.lower() == "bearer" else None
    return SignIn(request.app.state.edge, token)


SignInDep = Annotated[SignIn, Depends(sign_in)]


def current_associate(signed_in: SignInDep) -> Associate:
    return signed_in.associate()


async def current_manager(associate: Annotated[Associate, Depends(current_associate)]) -> Associate:
    if associate.role != Role.MANAGER:
        raise Forbidden(f"{associate.name} is signed in as an associate; this needs a manager's sign-in.")
    return associate


EdgeDep = Annotated[EdgeState, Depends(get_edge)]
AssociateDep = Annotated[Associate, Depends(current_associate)]
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                                 description="One per user action; a retry by the same associate "
                                                             "with the same key and body answers the original "
                                                             "result")]


def idempotency_key(associate: Associate, key: str | None) -> str | None:
    # The associate, not the session token: a retry after signing in again still finds its answer.
    return for_caller(f"associate:{associate.id}", key)


async def _idempotency_key(associate: AssociateDep, key: IdempotencyHeader = None) -> str | None:
    return idempotency_key(associate, key)


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
NumberCursor = Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description="next_cursor of the previous page")]
ManagerDep = Annotated[Associate, Depends(current_manager)]
