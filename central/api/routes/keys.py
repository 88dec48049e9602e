"""Receipt token keys (DESIGN §6): the public keys, and rotation of the signing key."""

from fastapi import APIRouter

from central.api.deps import AdminDep, ReadDep, ServiceDep
from central.api.responses import KeyList
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.get("", summary="Public keys of receipt tokens, newest (current) first (read)", response_model=KeyList)
def list_keys(service: ServiceDep, _: ReadDep) -> dict:
    return service.catalog.keys()


@router.post("/rotate", summary="Sign receipt tokens with a new key from now on; old keys stay published (admin)",
             response_model=KeyList)
def rotate_keys(service: ServiceDep, _: AdminDep) -> dict:
    return service.catalog.rotate_keys(utc_now())
