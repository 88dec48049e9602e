"""Reading an online order's receipt token at the counter, for display only: the store agent verifies it."""

import base64
import binascii
import json


def peek(token: str) -> dict | None:
    """The claims of a receipt token as written, unverified; None when it is not one. A token is a compact JWS
    (`<header>.<claims>.<signature>`) or, printed before, `v1.<kid>.<claims>.<signature>`."""
    parts = token.strip().split(".")
    if len(parts) == 4 and parts[0] == "v1":
        encoded = parts[2]
    elif len(parts) == 3 and all(parts):
        encoded = parts[1]
    else:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) and "order_id" in claims and "lines" in claims else None
