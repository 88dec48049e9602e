"""The ship-to address as head office and e-commerce send it (DESIGN §12), checked at the door: required fields,
lengths, a real ISO 3166-1 country code, no control characters. Bad input is a 422 that names the field."""

from pydantic import Field, field_validator

from central.domain.addresses import is_country
from shared.contract.addresses import control_characters
from shared.contract.models import Strict


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    found = control_characters(value)
    if found:
        raise ValueError(f"must not contain control characters (found {', '.join(dict.fromkeys(found))})")
    return value


class AddressBody(Strict):
    """Where a ship order goes. Without `lat`/`lon`, routing uses the country's centroid."""

    name: str = Field(min_length=1, max_length=100, description="Who receives the parcel.")
    line1: str = Field(min_length=1, max_length=100, description="Street and number.")
    line2: str | None = Field(None, max_length=100, description="Flat, floor, c/o.")
    city: str = Field(min_length=1, max_length=80)
    region: str | None = Field(None, max_length=80, description="State, county or province where the post uses one.")
    postal_code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code, e.g. DE.",
                         examples=["DE"])
    phone: str | None = Field(None, max_length=40, pattern=r"^\+?[0-9 ()/.-]{3,40}$",
                              description="For the carrier: digits, spaces, + ( ) / . -")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @field_validator("name", "line1", "line2", "city", "region", "postal_code", "phone", mode="before")
    @classmethod
    def _trimmed_printable(cls, value):
        if isinstance(value, str):
            value = _text(value.strip())
            return value
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _iso_country(cls, value):
        if isinstance(value, str):
            value = value.strip().upper()
            if len(value) == 2 and not is_country(value):
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, GB, US)")
        return value
