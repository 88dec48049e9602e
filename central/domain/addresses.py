"""Where a ship-to address is, for routing: the caller's coordinates, else the country's centroid.

Country codes and centroids come from the `countryinfo` package's own data (ISO 3166-1 codes and a
latitude/longitude per country, shipped inside the package: nothing is downloaded). A country centroid is coarse,
but routing only compares distances between nodes, and a caller who wants better gives `lat`/`lon`.
"""

from dataclasses import dataclass
from functools import cache

from countryinfo import CountryInfo
from countryinfo.exceptions import CountryNotFoundError


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    located_by: str  # "caller" | "country_centroid"


class NotLocated(ValueError):
    """Neither the caller nor the reference data can place the address; `missing` names what would."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing


@cache
def _country(code: str) -> dict | None:
    if len(code) != 2 or not code.isascii() or not code.isalpha() or not code.isupper():
        return None
    try:
        info = CountryInfo(code)
        iso = info.iso() or {}
    except (CountryNotFoundError, KeyError, ValueError):
        return None
    if iso.get("alpha2") != code:  # a name or another code that happened to resolve
        return None
    latlng = info.latlng() or []
    return {"centroid": (float(latlng[0]), float(latlng[1])) if len(latlng) == 2 else None}


def is_country(code: str) -> bool:
    """An assigned ISO 3166-1 alpha-2 code, upper case (`DE`, `GB`)."""
    return _country(code) is not None


def country_centroid(code: str) -> tuple[float, float] | None:
    """The country's centroid (latitude, longitude), or None where the reference data has none."""
    country = _country(code)
    return country["centroid"] if country else None


def locate(country: str, lat: float | None, lon: float | None) -> Location:
    """The point routing measures distances from. Coordinates come as a pair or not at all."""
    if lat is not None and lon is not None:
        return Location(lat, lon, "caller")
    if (lat is None) != (lon is None):
        missing = ["lon"] if lon is None else ["lat"]
        raise NotLocated(f"Give both lat and lon, or neither; {missing[0]} is missing.", missing)
    centroid = country_centroid(country)
    if centroid is None:
        raise NotLocated(f"No centroid is known for country {country}: give the address's lat and lon.",
                         ["lat", "lon"])
    return Location(centroid[0], centroid[1], "country_centroid")


def ship_delivery(delivery: dict) -> dict:
    """A ship delivery as an order keeps it: the address as given (empty fields left out) and the point routing
    uses, with how it was found. Raises NotLocated."""
    address = {k: v for k, v in delivery["address"].items() if v is not None}
    where = locate(address["country"], address.get("lat"), address.get("lon"))
    return {"type": "ship", "address": address, "lat": where.lat, "lon": where.lon, "located_by": where.located_by}
