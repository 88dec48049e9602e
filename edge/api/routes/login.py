"""`POST /v1/login`: an associate's id and PIN for a bearer token that lapses when unused."""

from fastapi import APIRouter
from pydantic import Field

from edge.api.deps import EdgeDep
from shared.contract.models import Strict

router = APIRouter(tags=["sign-in"])


class LoginIn(Strict):
    associate_id: str = Field(min_length=1, max_length=32)
    pin: str = Field(min_length=1, max_length=16)


class AssociateOut(Strict):
    id: str
    name: str
    role: str


class LoginOut(Strict):
    token: str
    associate: AssociateOut
    expires_after_idle_s: int


@router.post("/login", summary="Sign in with associate id and PIN", response_model=LoginOut,
             responses={401: {"description": "Unknown id or wrong PIN (same answer for both)"},
                        429: {"description": "Too many wrong PINs: locked for a few minutes"}})
def post_login(body: LoginIn, edge: EdgeDep) -> dict:
    return edge.sessions.login(body.associate_id, body.pin, edge.clock())
