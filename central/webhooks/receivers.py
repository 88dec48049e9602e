"""Who may receive webhook deliveries and how they know a delivery is ours.

Deliveries follow the Standard Webhooks spec: headers `webhook-id` (the delivery id, the same on every retry),
`webhook-timestamp` (seconds, this attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">`), so a receiver verifies with any Standard Webhooks library and refuses replays by
their age. A receiver's host must resolve to public addresses only, checked at registration and again before
every delivery (a name may point elsewhere later).
"""

import asyncio
import base64
import binascii
import secrets
import socket
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from standardwebhooks import Webhook

from central.domain.errors import WebhookRefused
from central.domain.webhooks import address_refusal, url_refusal

SECRET_PREFIX = "whsec_"
SECRET_BYTES = range(24, 65)  # the spec's advice: 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_secret(secret: str) -> None:
    """A secret given by the subscriber: `whsec_` and the base64 of 24 to 64 bytes, as the spec has it."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or len(key) not in SECRET_BYTES:
        raise WebhookRefused("A webhook secret is `whsec_` followed by the base64 of 24 to 64 random bytes; leave it "
                             "out and one is made for you.")


def signed_headers(secret: str, delivery_id: str, at: datetime, body: bytes) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id=delivery_id, timestamp=at, data=body.decode("utf-8"))
    return {"webhook-id": delivery_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _addresses(infos) -> list[str]:
    return sorted({info[4][0] for info in infos})


def resolve(url: str) -> list[str]:
    host, port = _host_and_port(url)
    try:
        return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except (socket.gaierror, UnicodeError):
        return []


async def resolve_async(url: str) -> list[str]:
    host, port = _host_and_port(url)
    try:
        return _addresses(await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM))
    except (socket.gaierror, UnicodeError):
        return []


def pinned(url: str, address: str) -> tuple[str, str, str]:
    """The URL aimed at `address` (one the host was checked to resolve to), the Host header and the TLS server name
    to send with it: the connection goes where the check said, whatever the name resolves to a moment later."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    at = f"[{address}]" if ":" in address else address
    netloc = f"{at}:{parts.port}" if parts.port else at
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host


def receiver_refusal(url: str, addresses: list[str], allow_private: bool) -> str | None:
    """Why deliveries may not go to `url` whose host resolved to `addresses`, or None."""
    return url_refusal(url, allow_private) or address_refusal(addresses, allow_private)
