"""Receipt token keys (DESIGN §6): the public keys, and rotation of the signing key."""

from fastapi import APIRouter

from central.api.deps import AdminDep, ReadDep, ServiceDep
from central.store import signing_keys

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.get("", summary="Public keys of receipt tokens, newest (current) first (read)")
async def list_keys(service: ServiceDep, _: ReadDep) -> dict:
    with service.db.read() as conn:
        return signing_keys.listing(conn)


@router.post("/rotate", summary="Sign receipt tokens with a new key from now on; old keys stay published (admin)")
async def rotate_keys(service: ServiceDep, _: AdminDep) -> dict:
    service.rotate_keys()
    with service.db.read() as conn:
        return signing_keys.listing(conn)
