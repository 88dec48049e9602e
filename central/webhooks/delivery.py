"""Sending the webhook outbox: each subscription's deliveries in order, one in flight per subscription,
retried with exponential backoff until the receiver answers 2xx.

It runs on its own task and owns no lock while it waits on a receiver, so a slow or dead receiver
delays only its own deliveries: never ingest, never another subscription, never the API.
"""

import asyncio
import logging
from datetime import timedelta

import httpx

from central.domain.webhooks import DELIVERY_HEADER, retry_delay_s
from central.settings import CentralSettings
from central.store import webhooks as webhook_store
from central.webhooks.receivers import (
    pinned,
    receiver_refusal,
    resolve_async,
    signed_headers,
)
from shared.runtime.clock import from_text, utc_now
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(self, db: Database, settings: CentralSettings, idle_s: float = 1.0, resolve=resolve_async):
        self._db, self._settings, self._idle_s, self._resolve = db, settings, idle_s, resolve
        self._wake = Wakeup()
        self._in_flight: dict[str, asyncio.Task] = {}

    def wake(self) -> None:
        """Safe from any thread."""
        self._wake.notify()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self._settings.webhook_timeout_s, follow_redirects=False) as client:
            try:
                while True:
                    try:
                        await self._start_due(client)
                    except Exception:
                        log.exception("webhook round failed")
                    await self._sleep()
            finally:
                for task in self._in_flight.values():
                    task.cancel()
                await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _start_due(self, client: httpx.AsyncClient) -> None:
        heads = await asyncio.to_thread(self._read, webhook_store.due_heads, utc_now())
        for row in heads:
            webhook_id = row["webhook_id"]
            if webhook_id in self._in_flight:
                continue
            task = asyncio.create_task(self._attempt(client, row), name=f"webhook-{row['id']}")
            self._in_flight[webhook_id] = task
            task.add_done_callback(lambda _, w=webhook_id: self._finished(w))

    def _finished(self, webhook_id: str) -> None:
        self._in_flight.pop(webhook_id, None)
        self._wake.notify()  # its next delivery may go at once

    async def _sleep(self) -> None:
        """Until woken (a new delivery, an attempt finished) or the next retry is due, at most `idle_s`."""
        due = await asyncio.to_thread(self._read, webhook_store.next_due_at)
        timeout = self._idle_s
        if due is not None:
            timeout = max(0.01, min(timeout, (from_text(due) - utc_now()).total_seconds()))
        await self._wake.wait(timeout)

    async def _attempt(self, client: httpx.AsyncClient, row) -> None:
        body = row["body"].encode()
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: row["id"], "User-Agent": "omnistore-central",
                   **signed_headers(row["secret"], row["id"], utc_now(), body)}
        # Checked again at every try: a name that was public at registration may point inside the network now.
        addresses = await self._resolve(row["url"])
        refusal = receiver_refusal(row["url"], addresses, self._settings.webhook_allow_private_urls)
        if refusal is not None:
            error = f"not sent: {refusal}"
        else:
            url, host, server_name = pinned(row["url"], addresses[0])
            try:
                response = await client.post(url, content=body, headers={**headers, "Host": host},
                                             extensions={"sni_hostname": server_name})
                error = None if response.is_success else f"HTTP {response.status_code}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        delay = await asyncio.to_thread(self._record_attempt, row, error, utc_now())
        if delay is None:
            return
        log.info("webhook delivery %s to %s failed (%s); next try in %.1f s", row["id"], row["url"], error, delay)

    # The database work, in a worker thread: the database lock may be held by a long ingest batch.
    def _read(self, query, *args):
        with self._db.read() as conn:
            return query(conn, *args)

    def _record_attempt(self, row, error: str | None, now) -> float | None:
        """Delivered, or failed with the delay until the next attempt (returned)."""
        with self._db.write() as conn:
            if error is None:
                webhook_store.mark_delivered(conn, row["n"], now)
                return None
            delay = retry_delay_s(row["attempts"] + 1, self._settings.webhook_retry_base_s,
                                  self._settings.webhook_retry_cap_s)
            webhook_store.mark_failed(conn, row["n"], error, now + timedelta(seconds=delay))
        return delay
