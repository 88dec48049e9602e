"""Typed dependencies of the routes: the running agent's state and the signed-in associate."""

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from edge.bootstrap import EdgeState
from edge.services.access import Associate
from shared.contract.errors import Forbidden
from shared.contract.models import Role


def get_edge(request: Request) -> EdgeState:
    return request.app.state.edge


_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/login.")


def current_associate(request: Request,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Associate:
    edge = request.app.state.edge
    token = credentials.credentials if credentials is not None and credentials.scheme.lower() == "bearer" else None
    return edge.sessions.authenticate(token, edge.clock())


def current_manager(associate: Annotated[Associate, Depends(current_associate)]) -> Associate:
    if associate.role != Role.MANAGER:
        raise Forbidden(f"{associate.name} is signed in as an associate; this needs a manager's sign-in.")
    return associate


EdgeDep = Annotated[EdgeState, Depends(get_edge)]
AssociateDep = Annotated[Associate, Depends(current_associate)]
ManagerDep = Annotated[Associate, Depends(current_manager)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="One per user action; a retry with the same key and body "
                                                          "answers the original result")]
