"""The ship-to address as central takes it: what is refused and why, and where routing places it."""

import string

import pytest
from pydantic import ValidationError

from central.api.addresses import AddressBody
from central.domain.addresses import (
    NotLocated,
    country_centroid,
    is_country,
    locate,
    ship_delivery,
)
from shared.contract.addresses import ShipTo, control_characters

GOOD = {"name": "Jan Meier", "line1": "Lange Reihe 50", "city": "Hamburg", "postal_code": "20099", "country": "DE"}


def refusal(**changes) -> str:
    with pytest.raises(ValidationError) as caught:
        AddressBody.model_validate({**GOOD, **changes})
    return str(caught.value)


class TestTheAddressCentralTakes:
    def test_a_complete_address_is_taken_trimmed_and_with_the_country_in_capitals(self):
        body = AddressBody.model_validate({**GOOD, "name": "  Jan Meier ", "country": "de", "line2": "3. OG"})
        assert (body.name, body.country, body.line2, body.lat) == ("Jan Meier", "DE", "3. OG", None)

    @pytest.mark.parametrize("field", ["name", "line1", "city", "postal_code", "country"])
    def test_each_required_field_is_required(self, field):
        without = {k: v for k, v in GOOD.items() if k != field}
        with pytest.raises(ValidationError) as caught:
            AddressBody.model_validate(without)
        assert field in str(caught.value)

    @pytest.mark.parametrize("field", ["name", "line1", "city", "postal_code"])
    def test_blank_is_as_good_as_missing(self, field):
        assert field in refusal(**{field: "   "})

    @pytest.mark.parametrize("code", ["XX", "ZZ", "UK", "EU", "D1", "DEU", "Germany"])
    def test_the_country_must_be_an_iso_3166_alpha_2_code(self, code):
        assert "country" in refusal(country=code)

    @pytest.mark.parametrize("text", ["Jan\nMeier", "Jan\x00", "Jan\x1b[2J", "Jan\u0085Meier", "Jan\u2028Meier", "\x7f"])
    def test_control_characters_are_refused_in_every_text_field(self, text):
        for field in ("name", "line1", "city", "line2", "region"):
            assert "control characters" in refusal(**{field: text})

    def test_lengths_are_bounded(self):
        assert "name" in refusal(name="x" * 101)
        assert "line1" in refusal(line1="x" * 101)
        assert "postal_code" in refusal(postal_code="1" * 17)

    def test_a_postal_code_or_phone_with_markup_is_refused(self):
        assert "postal_code" in refusal(postal_code="20099^XZ")
        assert "phone" in refusal(phone="call me")
        assert AddressBody.model_validate({**GOOD, "phone": "+49 (40) 123-456"}).phone == "+49 (40) 123-456"

    def test_coordinates_stay_on_the_globe(self):
        assert "lat" in refusal(lat=91, lon=0)
        assert "lon" in refusal(lat=0, lon=-181)

    def test_an_unknown_field_is_refused(self):
        assert "street" in refusal(street="Lange Reihe 50")

    def test_accented_and_non_latin_text_is_welcome(self):
        body = AddressBody.model_validate({**GOOD, "name": "Zoë Ångström", "city": "Zürich", "country": "CH",
                                           "line1": "東京都千代田区 1-1"})
        assert body.name == "Zoë Ångström"


class TestWhereRoutingPlacesIt:
    def test_the_callers_coordinates_win(self):
        assert locate("DE", 53.55, 10.0) == locate("AQ", 53.55, 10.0)
        assert locate("DE", 53.55, 10.0).located_by == "caller"

    def test_without_coordinates_the_country_centroid_is_used(self):
        where = locate("DE", None, None)
        assert where.located_by == "country_centroid"
        assert 47 <= where.lat <= 55 and 5 <= where.lon <= 15  # inside Germany's bounding box
        gb = locate("GB", None, None)
        assert 49 <= gb.lat <= 61 and -9 <= gb.lon <= 2

    def test_the_reference_data_knows_every_country_and_places_nearly_all_on_the_globe(self):
        codes = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
        countries = [code for code in codes if is_country(code)]
        placed = {code: country_centroid(code) for code in countries if country_centroid(code)}
        assert len(countries) >= 245 and len(placed) >= 230
        assert all(-90 <= lat <= 90 and -180 <= lon <= 180 for lat, lon in placed.values())

    def test_where_there_is_no_centroid_the_refusal_names_the_coordinates(self):
        assert is_country("AQ") and country_centroid("AQ") is None
        with pytest.raises(NotLocated) as caught:
            locate("AQ", None, None)
        assert caught.value.missing == ["lat", "lon"]

    def test_half_a_coordinate_pair_is_refused(self):
        with pytest.raises(NotLocated) as caught:
            locate("DE", 53.5, None)
        assert caught.value.missing == ["lon"]

    def test_the_order_keeps_the_address_as_given_and_the_point_it_was_routed_by(self):
        body = AddressBody.model_validate(GOOD).model_dump(mode="json")
        kept = ship_delivery({"type": "ship", "address": body})
        assert kept["address"] == GOOD  # empty optional fields left out
        assert kept["located_by"] == "country_centroid" and (kept["lat"], kept["lon"]) == country_centroid("DE")


class TestTheAddressOnTheWire:
    def test_a_one_line_address_of_an_older_order_reads_as_line1_under_the_customers_name(self):
        old = ShipTo.model_validate({"address": "10 Downing St, London", "lat": 51.5, "lon": -0.12})
        assert (old.line1, old.name, old.lat) == ("10 Downing St, London", "", 51.5)
        assert old.for_customer("Ada").name == "Ada"
        assert ShipTo.model_validate(GOOD).for_customer("Someone else").name == "Jan Meier"

    def test_control_characters_are_named(self):
        assert control_characters("a\tb\u2028c") == ["U+0009", "U+2028"]
        assert control_characters("Zoë Ångström") == []
