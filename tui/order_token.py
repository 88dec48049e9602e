"""Reading an online order's receipt token at the counter, for display only: the store agent verifies it."""

import base64
import binascii
import json


def peek(token: str) -> dict | None:
    """The claims of a `v1.<kid>.<claims>.<signature>` token as written, unverified; None when it is not one."""
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != "v1":
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) and "order_id" in claims and "lines" in claims else None
