"""The UI's only way to the store: the edge agent's HTTP API."""

import ssl
from dataclasses import dataclass

import httpx


class EdgeUnreachable(Exception):
    """The edge agent did not answer (not running, wrong address, or too slow)."""


@dataclass
class EdgeError(Exception):
    """The edge agent refused a request; `detail` is its sentence for the associate."""

    status: int
    code: str
    detail: str

    def __str__(self) -> str:
        return self.detail


class EdgeClient:
    def __init__(self, base_url: str, timeout: float = 5.0, verify: ssl.SSLContext | bool = True):
        """`verify`: for an edge that serves HTTPS, a context trusting its CA (True: the system's CAs)."""
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, verify=verify)

    async def _request(self, method: str, path: str, **kwargs) -> dict:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as e:
            raise EdgeUnreachable(f"The store agent at {self.base_url} does not answer.") from e
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise EdgeError(response.status_code, body.get("code", "error"),
                            body.get("detail") or f"The store agent answered {response.status_code}.")
        return response.json()

    async def health(self) -> dict:
        return await self._request("GET", "/healthz")

    async def login(self, associate_id: str, pin: str) -> dict:
        answer = await self._request("POST", "/v1/login", json={"associate_id": associate_id, "pin": pin})
        self.token = answer["token"]
        return answer

    def logout(self) -> None:
        self.token = None

    async def sync_status(self) -> dict:
        return await self._request("GET", "/v1/sync/status")

    async def find_product(self, code: str) -> dict | None:
        """The product whose SKU or barcode is exactly `code` (a scan), else None."""
        page = await self._request("GET", "/v1/products", params={"q": code, "limit": 20})
        exact = [p for p in page["items"] if code in (p["sku"], p.get("gtin"))]
        return exact[0] if exact else None

    async def search_products(self, q: str, limit: int = 20) -> list[dict]:
        return (await self._request("GET", "/v1/products", params={"q": q, "limit": limit}))["items"]

    async def stock(self, sku: str) -> dict:
        return await self._request("GET", f"/v1/stock/{sku}")

    async def ledger(self, sku: str, limit: int = 8) -> list[dict]:
        return (await self._request("GET", f"/v1/stock/{sku}/ledger", params={"limit": limit}))["items"]

    async def network_atp(self, sku: str) -> dict:
        return await self._request("GET", f"/v1/network/atp/{sku}")

    async def stock_change(self, action: str, body: dict, idempotency_key: str) -> dict:
        """`action` is receive, adjust or count."""
        return await self._request("POST", f"/v1/stock/{action}", json=body, headers={"Idempotency-Key": idempotency_key})

    async def check_sale(self, body: dict, idempotency_key: str | None = None) -> dict:
        """Whether the basket `{lines, manager?}` needs a manager (403 manager_required says why); records nothing."""
        return await self._request("POST", "/v1/sales/approval", json=body)

    async def record_sale(self, body: dict, idempotency_key: str) -> dict:
        return await self._request("POST", "/v1/sales", json=body, headers={"Idempotency-Key": idempotency_key})

    async def fulfilments(self, type_: str, status: str | None = None, limit: int = 200) -> list[dict]:
        params = {"type": type_, "limit": limit, **({"status": status} if status else {})}
        return (await self._request("GET", "/v1/fulfilments", params=params))["items"]

    async def fulfilment_step(self, allocation_id: str, step: str, body: dict | None = None) -> dict:
        """`step` is accept, reject, pick, ready, collect, pack or ship; repeating a done step answers 200."""
        return await self._request("POST", f"/v1/fulfilments/{allocation_id}/{step}", json=body)

    async def transfers(self, direction: str | None = None, open_only: bool = False, limit: int = 200) -> list[dict]:
        """Transfers of this store: `direction` out (to send) or in (to receive); `open_only` those waiting."""
        params = {"limit": limit, **({"direction": direction} if direction else {}),
                  **({"open": "true"} if open_only else {})}
        return (await self._request("GET", "/v1/transfers", params=params))["items"]

    async def transfer(self, transfer_id: str) -> dict:
        return await self._request("GET", f"/v1/transfers/{transfer_id}")

    async def transfer_step(self, transfer_id: str, step: str, body: dict, idempotency_key: str) -> dict:
        """`step` is ship, reject or receive; a retry with the same key answers the first result."""
        return await self._request("POST", f"/v1/transfers/{transfer_id}/{step}", json=body,
                                   headers={"Idempotency-Key": idempotency_key})

    async def find_orders(self, q: str) -> dict:
        """Open pickups and ship-from-store orders matching a pickup code, order number, bag tag or name."""
        return await self._request("GET", "/v1/fulfilments/find", params={"q": q})

    async def label_preview(self, allocation_id: str, carrier: str, tracking_number: str) -> dict:
        """The shipping label a ship-from-store order will print: {ship_to: [lines], text, zpl}."""
        return await self._request("GET", f"/v1/fulfilments/{allocation_id}/label",
                                   params={"carrier": carrier, "tracking_number": tracking_number})

    async def open_tasks(self) -> list[dict]:
        return (await self._request("GET", "/v1/tasks", params={"status": "open", "limit": 200}))["items"]

    async def put_back_done(self, task_id: int) -> dict:
        """The units of a cancelled or expired order are back on the shelf; repeating it answers 200."""
        return await self._request("POST", f"/v1/tasks/{task_id}/done")

    async def print_jobs(self, ref: str | None = None, limit: int = 50) -> list[dict]:
        params = {"limit": limit, **({"ref": ref} if ref else {})}
        return (await self._request("GET", "/v1/print/jobs", params=params))["items"]

    async def print_again(self, kind: str, ref: str) -> dict:
        return await self._request("POST", f"/v1/print/{kind}/{ref}")

    async def printers(self) -> list[dict]:
        return (await self._request("GET", "/v1/print/printers"))["items"]

    async def print_end_of_day(self) -> dict:
        return await self._request("POST", "/v1/print/end-of-day")

    async def record_return(self, body: dict, idempotency_key: str) -> dict:
        return await self._request("POST", "/v1/returns", json=body, headers={"Idempotency-Key": idempotency_key})

    async def sale(self, receipt_number: str) -> dict:
        return await self._request("GET", f"/v1/sales/{receipt_number}")

    async def aclose(self) -> None:
        await self._http.aclose()
