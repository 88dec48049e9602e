"""A ship-to address as it travels from central to a store (DESIGN §12), and the text rule every part applies.

Central checks an address strictly where it comes in (its API); on the wire and in a store's database it is
read tolerantly, because an order stored before addresses were structured carries one line of text.
"""

import unicodedata

from pydantic import model_validator

from shared.contract.models import Lenient

# Control characters (C0, DEL, C1) and line/paragraph separators: on a label they would start a new line or a
# printer command where none belongs.
_FORBIDDEN = {"Cc", "Zl", "Zp"}


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, written as U+XXXX, in order of appearance."""
    return [f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in _FORBIDDEN]


class ShipTo(Lenient):
    """Where a ship-from-store order goes: the structured address of the order, and its coordinates when the
    caller gave them. A one-line `address` of an older order reads as `line1`."""

    name: str = ""
    line1: str = ""
    line2: str | None = None
    city: str = ""
    region: str | None = None
    postal_code: str = ""
    country: str = ""
    phone: str | None = None
    lat: float | None = None
    lon: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_line_address(cls, data):
        if isinstance(data, dict) and isinstance(data.get("address"), str) and not data.get("line1"):
            return {**{k: v for k, v in data.items() if k != "address"}, "line1": data["address"]}
        return data

    def for_customer(self, customer_name: str) -> "ShipTo":
        """The address with the customer's name where it names nobody (older orders did not)."""
        return self if self.name else self.model_copy(update={"name": customer_name})
