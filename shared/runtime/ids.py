"""Identifiers: UUIDv7 (time-ordered), so ids sort by creation and index well."""

import os
import time


def uuid7() -> str:
    """A new UUIDv7 as text (RFC 9562: 48-bit Unix milliseconds, version, random bits)."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    # The text `str(uuid.UUID(int=value))` gives, without building the object (every event and order takes one).
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
