"""Reading what each side holds of a store through its API, page by page (read scope at central, a manager's
sign-in at the store)."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from ssl import SSLContext
from typing import TypeVar

import httpx
from pydantic import BaseModel

from shared.contract.audit import (
    EventPage,
    FulfilmentPage,
    LevelPage,
    ReceiptPage,
    TransferHoldingPage,
)
from shared.launcher.audit.compare import Holdings

P = TypeVar("P", bound=BaseModel)


class AuditUnreachable(Exception):
    """A side did not answer, or refused the credentials."""


@dataclass(frozen=True)
class Endpoint:
    """One API, how to trust it (for HTTPS: a context trusting its CA; True: the system's CAs) and its token."""

    url: str
    token: str | None = None
    verify: bool | SSLContext = True

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, verify=self.verify, timeout=30)


def sign_in(endpoint: Endpoint, manager_id: str, pin: str) -> Endpoint:
    """The store's API with a manager's bearer token."""
    with endpoint.client() as client:
        answer = _call(client, "post", "/v1/login", json={"associate_id": manager_id, "pin": pin})
    return Endpoint(endpoint.url, answer["token"], endpoint.verify)


def read_store(endpoint: Endpoint) -> Holdings:
    with endpoint.client() as client:
        holdings = _holdings(client, "/v1/audit", "fulfilments")
        # What transfers to other nodes hold in `reserved` (a store of an older release has none to list).
        if client.get("/v1/audit/transfers", params={"limit": 1}).status_code == 404:
            return holdings
        return replace(holdings, transfers={t.transfer_id: t.holding for page in
                                            _pages(client, "/v1/audit/transfers", TransferHoldingPage)
                                            for t in page.items if t.holding})


def read_central(endpoint: Endpoint, store_id: str) -> Holdings:
    with endpoint.client() as client:
        return _holdings(client, f"/v1/audit/stores/{store_id}", "allocations")


def _holdings(client: httpx.Client, base: str, fulfilments: str) -> Holdings:
    first: EventPage | None = None
    events = []
    for page in _pages(client, f"{base}/events", EventPage):
        first = first or page
        events += page.items
    return Holdings(
        epoch=first.epoch, last_seq=first.last_seq, events=events,
        receipts={r.receipt_number: r.event_id for page in _pages(client, f"{base}/receipts", ReceiptPage)
                  for r in page.items},
        levels={level.sku: level for page in _pages(client, f"{base}/levels", LevelPage) for level in page.items},
        fulfilments={f.allocation_id: f for page in _pages(client, f"{base}/{fulfilments}", FulfilmentPage)
                     for f in page.items})


def _pages(client: httpx.Client, path: str, model: type[P]) -> Iterator[P]:
    cursor = None
    while True:
        page = model.model_validate(_call(client, "get", path, params={"cursor": cursor} if cursor else {}))
        yield page
        cursor = page.next_cursor
        if cursor is None:
            return


def _call(client: httpx.Client, method: str, path: str, **kwargs) -> dict:
    try:
        answer = client.request(method, path, **kwargs)
    except httpx.HTTPError as e:
        raise AuditUnreachable(f"{client.base_url} did not answer {path}: {e}") from e
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise AuditUnreachable(f"{client.base_url}{path} answered {answer.status_code}: {detail}")
    return answer.json()
