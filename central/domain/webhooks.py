"""Webhook rules, pure: which subscriptions want a status, which URLs may receive deliveries, when to try again."""

import ipaddress
from collections.abc import Collection
from urllib.parse import urlsplit

DELIVERY_HEADER = "X-Omnistore-Delivery"


def wants(events: Collection[str] | None, status: str) -> bool:
    """A subscription without a list takes every status change; one with a list only those statuses."""
    return events is None or status in events


def url_refusal(url: str, allow_private: bool) -> str | None:
    """Why deliveries may not go to `url`, or None. Only https to a named or public host, never with credentials
    in the URL; `allow_private` (demos, tests) also lets http and loopback or private addresses through."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "it is not a URL"
    if parts.username is not None or parts.password is not None:
        return "it carries a user name or password; put credentials in the secret, not the URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "it must be an https URL with a host"
    if parts.scheme != "https" and not allow_private:
        return "deliveries go over https only"
    literal = _ip(parts.hostname)
    if literal is not None:
        return address_refusal([str(literal)], allow_private)
    if not allow_private and (parts.hostname == "localhost" or parts.hostname.endswith((".localhost", ".local"))):
        return f"{parts.hostname} is not a public host"
    return None


def address_refusal(addresses: Collection[str], allow_private: bool) -> str | None:
    """Why a host that resolves to `addresses` may not receive deliveries (every address must be public)."""
    if not addresses:
        return "its host does not resolve to any address"
    if allow_private:
        return None
    for text in addresses:
        address = _ip(text)
        if address is None or not address.is_global or address.is_multicast:
            return f"its host resolves to {text}, which is not a public address (loopback, private, link-local " \
                   "or reserved)"
    return None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def retry_delay_s(attempts: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after the `attempts`-th failed try: base, 2×base, 4×base … never more than the cap."""
    if attempts < 1:
        return 0.0
    return min(cap_s, base_s * 2 ** min(attempts - 1, 40))
