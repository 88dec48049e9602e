"""Shipments of an allocation, as pure rules: what a warehouse may still ship, when a shipment's time is believable,
and the tracking page of a carrier.

A store's allocation ships once (its `shipment.shipped` event); a warehouse's may ship in several parts, each a
shipment with its own lines, carrier and tracking number, until every unit has left.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import quote

# Carriers head office knows out of the box; the setting `tracking_urls` adds to them or replaces one.
DEFAULT_TRACKING_URLS: dict[str, str] = {
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={tracking_number}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{tracking_number}",
    "gls": "https://gls-group.com/track/{tracking_number}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{tracking_number}",
    "ups": "https://www.ups.com/track?tracknum={tracking_number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={tracking_number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{tracking_number}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{tracking_number}",
}
PLACEHOLDER = "{tracking_number}"
# A shipment stamped this far beyond central's clock is a wrong clock or a typo, not a shipment.
FUTURE_TOLERANCE = timedelta(minutes=10)


class ShipmentRefused(ValueError):
    """The shipment cannot be recorded as given; the message says why in a sentence."""


def carrier_key(carrier: str) -> str:
    """How a carrier's name is looked up: "Royal Mail", "royal-mail" and "ROYAL_MAIL" are the same carrier."""
    return re.sub(r"[^a-z0-9]+", "_", carrier.strip().lower()).strip("_")


def tracking_url(templates: Mapping[str, str], carrier: str, tracking_number: str) -> str | None:
    """The carrier's tracking page for this number, or None for a carrier the settings do not know."""
    template = templates.get(carrier_key(carrier))
    if not template:
        return None
    return template.replace(PLACEHOLDER, quote(tracking_number.strip(), safe=""))


def tracking_templates(configured: Mapping[str, str]) -> dict[str, str]:
    """The built-in carriers with the configured ones over them (a blank template forgets a carrier)."""
    merged = dict(DEFAULT_TRACKING_URLS)
    for carrier, template in configured.items():
        merged[carrier_key(carrier)] = template
    return {carrier: template for carrier, template in merged.items() if template}


def unshipped(allocated: Mapping[str, int], shipped: Mapping[str, int]) -> dict[str, int]:
    """Units of each SKU of an allocation that have not left yet."""
    rest = {sku: qty - shipped.get(sku, 0) for sku, qty in allocated.items()}
    return {sku: qty for sku, qty in rest.items() if qty > 0}


def shipment_lines(allocated: Mapping[str, int], shipped: Mapping[str, int],
                   requested: Mapping[str, int] | None) -> dict[str, int]:
    """What this shipment takes: the lines asked for (each within what is left), or everything left."""
    left = unshipped(allocated, shipped)
    if not left:
        raise ShipmentRefused("Every unit of this allocation has shipped already.")
    if requested is None:
        return left
    for sku, qty in requested.items():
        if sku not in allocated:
            raise ShipmentRefused(f"SKU {sku!r} is not part of this allocation ({', '.join(sorted(allocated))}).")
        if qty > left.get(sku, 0):
            raise ShipmentRefused(f"Only {left.get(sku, 0)} of {sku} are left to ship in this allocation, not {qty}.")
    return {sku: qty for sku, qty in requested.items() if qty > 0}


def check_shipped_at(shipped_at: datetime, now: datetime) -> None:
    """A shipment may be reported late, never from the future (beyond a little clock skew)."""
    if shipped_at > now + FUTURE_TOLERANCE:
        raise ShipmentRefused(f"shipped_at {shipped_at.isoformat()} is in the future (central's clock says "
                              f"{now.isoformat(timespec='seconds')}); send the time the parcel left.")
