"""Pickup codes: central draws one per order and sends only its hash to stores, which check it offline."""

import hashlib
import secrets

# No 0/O or 1/I: a customer reads the code aloud or from a phone at a busy counter.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6


def normalise(code: str) -> str:
    """Spaces and dashes a customer or associate types in between are ignored; letters compare in upper case."""
    return "".join(ch for ch in code if not ch.isspace() and ch != "-").upper()


def draw_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(LENGTH))


def code_hash(code: str) -> str:
    """The hash carried in `fulfilment.assign`: SHA-256 hex of the normalised code."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()
