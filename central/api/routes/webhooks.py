"""Webhook subscriptions (admin): order status changes POSTed to a URL, signed as Standard Webhooks."""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import Field, HttpUrl

from central.api.deps import AdminDep, CursorQuery, LimitQuery, ServiceDep
from central.api.responses import NewWebhook, WebhookPage, WebhookView
from central.domain.orders import OrderStatus
from shared.contract.models import Strict
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
WebhookIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The webhook's id.")]


class WebhookBody(Strict):
    url: HttpUrl = Field(description="Where deliveries are POSTed: https to a public host (no credentials in it).")
    events: list[OrderStatus] | None = Field(None, min_length=1, description="Order statuses to be told of; "
                                                                            "omitted: every status change.")
    secret: str | None = Field(None, min_length=38, max_length=100,
                               description="The Standard Webhooks signing secret, `whsec_` and the base64 of 24 to "
                                           "64 bytes; omitted: one is made and shown in this answer only.")


@router.post("", status_code=201, summary="Subscribe a URL to order status changes; the secret is shown once "
                                          "(admin)", response_model=NewWebhook)
def create_webhook(body: WebhookBody, service: ServiceDep, _: AdminDep) -> dict:
    return service.webhooks.subscribe(str(body.url), [e.value for e in body.events] if body.events else None,
                                      body.secret, utc_now())


@router.get("", summary="Webhook subscriptions with their delivery state (admin)", response_model=WebhookPage)
def list_webhooks(service: ServiceDep, _: AdminDep, cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    items, next_cursor = service.webhooks.subscriptions(cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{webhook_id}", summary="One webhook subscription (admin)", response_model=WebhookView)
def get_webhook(webhook_id: WebhookIdPath, service: ServiceDep, _: AdminDep) -> dict:
    return service.webhooks.subscription(webhook_id)


@router.delete("/{webhook_id}", status_code=204, summary="End a subscription; undelivered deliveries are dropped "
                                                         "(admin)")
def delete_webhook(webhook_id: WebhookIdPath, service: ServiceDep, _: AdminDep) -> Response:
    service.webhooks.unsubscribe(webhook_id, utc_now())
    return Response(status_code=204)
