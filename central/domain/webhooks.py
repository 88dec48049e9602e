"""Webhook rules, pure: which subscriptions want a status, how a body is signed, when to try again."""

import hashlib
import hmac
from collections.abc import Collection

SIGNATURE_HEADER = "X-Omnistore-Signature"
DELIVERY_HEADER = "X-Omnistore-Delivery"


def wants(events: Collection[str] | None, status: str) -> bool:
    """A subscription without a list takes every status change; one with a list only those statuses."""
    return events is None or status in events


def signature(secret: str, body: bytes) -> str:
    """The `X-Omnistore-Signature` value: `sha256=` and the hex HMAC-SHA256 of the body under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay_s(attempts: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after the `attempts`-th failed try: base, 2×base, 4×base … never more than the cap."""
    if attempts < 1:
        return 0.0
    return min(cap_s, base_s * 2 ** min(attempts - 1, 40))
