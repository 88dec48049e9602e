"""Webhook subscriptions (order status changes POSTed to a URL), each change one transaction."""

from collections.abc import Callable
from datetime import datetime

from central.domain.errors import WebhookRefused
from central.store import webhooks as webhook_store
from central.webhooks import receivers
from shared.contract.errors import NotFound
from shared.runtime.sqlite import Database


class Webhooks:
    def __init__(self, db: Database, allow_private: bool = False,
                 resolve: Callable[[str], list[str]] = receivers.resolve):
        self._db, self._allow_private, self._resolve = db, allow_private, resolve

    def subscribe(self, url: str, statuses: list[str] | None, secret: str | None, now: datetime) -> dict:
        """A new subscription (None: every status change); the answer carries its secret, the only time."""
        reason = receivers.receiver_refusal(url, self._resolve(url), self._allow_private)
        if reason is not None:
            raise WebhookRefused(f"Deliveries cannot go to {url}: {reason}.", url=url)
        if secret is not None:
            receivers.check_secret(secret)
        with self._db.write() as conn:
            return webhook_store.create(conn, url, statuses, secret or receivers.new_secret(), now)

    def subscriptions(self, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        with self._db.read() as conn:
            return webhook_store.list_page(conn, cursor, limit)

    def subscription(self, webhook_id: str) -> dict:
        with self._db.read() as conn:
            view = webhook_store.view(conn, webhook_id)
        if view is None:
            raise NotFound(f"No webhook {webhook_id}.")
        return view

    def unsubscribe(self, webhook_id: str, now: datetime) -> None:
        with self._db.write() as conn:
            webhook_store.delete(conn, webhook_id, now)
