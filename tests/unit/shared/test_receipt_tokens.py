"""Receipt tokens (DESIGN §6 "Returns"): what central signs, a store verifies offline with the published keys."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contract.receipt_tokens import (
    InvalidReceiptToken,
    new_keypair,
    public_key_of,
    sign,
    verify,
)

CLAIMS = {"order_id": "0190f1c2-7a3b-7cde-8f00-123456789abc", "currency": "EUR",
          "lines": [{"sku": "TEE-RED-M", "qty": 2, "unit_price": 1999}, {"sku": "MUG-01", "qty": 1, "unit_price": 850}],
          "total": 4848, "paid": [{"tender": "online", "amount": 4848}], "issued_at": "2025-06-01T10:00:00.000Z"}
PRIVATE, PUBLIC = new_keypair()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestRoundTrip:
    def test_a_signed_token_verifies_to_its_claims(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        assert verify(token, {"k1": PUBLIC}) == CLAIMS

    def test_the_token_is_four_url_safe_parts_starting_with_the_version_and_key_id(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        version, kid, body, signature = token.split(".")
        assert (version, kid) == ("v1", "k1")
        assert json.loads(base64.urlsafe_b64decode(body + "==")) == CLAIMS
        assert len(base64.urlsafe_b64decode(signature + "==")) == 64
        assert all(c.isalnum() or c in "._-" for c in token)

    def test_a_two_line_token_fits_easily_in_a_qr_code(self):
        assert len(sign(CLAIMS, PRIVATE, "k1")) < 500

    def test_the_public_key_is_derived_from_the_private_key(self):
        assert public_key_of(PRIVATE) == PUBLIC
        assert len(base64.b64decode(PUBLIC)) == 32 and len(PRIVATE) == 32


class TestRefusals:
    def test_claims_changed_after_signing_are_refused(self):
        version, kid, _, signature = sign(CLAIMS, PRIVATE, "k1").split(".")
        tampered = b64url(json.dumps({**CLAIMS, "lines": [{**CLAIMS["lines"][0], "qty": 20}, CLAIMS["lines"][1]],
                                      "total": 40830, "paid": [{"tender": "online", "amount": 40830}]}).encode())
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(f"{version}.{kid}.{tampered}.{signature}", {"k1": PUBLIC})

    def test_a_token_moved_to_another_key_id_is_refused(self):
        _, other_public = new_keypair()
        _, _, body, signature = sign(CLAIMS, PRIVATE, "k1").split(".")
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(f"v1.k2.{body}.{signature}", {"k1": PUBLIC, "k2": PUBLIC})
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(sign(CLAIMS, PRIVATE, "k1"), {"k1": other_public})

    def test_an_unknown_key_id_is_refused_with_the_key_named(self):
        with pytest.raises(InvalidReceiptToken, match="'k9'.*does not know") as caught:
            verify(sign(CLAIMS, PRIVATE, "k9"), {"k1": PUBLIC})
        assert "head office" in caught.value.reason

    @pytest.mark.parametrize("token", ["", "v1.k1.abc", "v1.k1..sig", "v2.k1.abc.def", "v1.k1.a+b.c/d",
                                       "v1.k1.é.sig", "x" * 5000, "v1.k1.abc.def.ghi"])
    def test_text_that_is_not_a_token_is_refused(self, token):
        with pytest.raises(InvalidReceiptToken):
            verify(token, {"k1": PUBLIC})

    def test_a_signature_with_padding_or_stray_characters_is_refused(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        with pytest.raises(InvalidReceiptToken):
            verify(token + "=", {"k1": PUBLIC})

    @pytest.mark.parametrize("change", [{"total": 1}, {"paid": [{"tender": "online", "amount": 1}]},
                                        {"currency": "euro"}, {"lines": []}, {"extra": 1}])
    def test_claims_that_do_not_add_up_or_are_malformed_are_not_signed(self, change):
        with pytest.raises(ValueError):
            sign({**CLAIMS, **change}, PRIVATE, "k1")

    @pytest.mark.parametrize("kid", ["", "a.b", "k" * 33, "k 1"])
    def test_a_key_id_that_would_break_the_format_is_not_signed_with(self, kid):
        with pytest.raises(ValueError):
            sign(CLAIMS, PRIVATE, kid)


class TestRotation:
    def test_after_a_rotation_old_tokens_still_verify_and_new_ones_name_the_new_key(self):
        old_private, old_public = PRIVATE, PUBLIC
        new_private, new_public = new_keypair()
        published = {"k1": old_public, "k2": new_public}
        old_token, new_token = sign(CLAIMS, old_private, "k1"), sign(CLAIMS, new_private, "k2")
        assert verify(old_token, published) == verify(new_token, published) == CLAIMS
        assert new_token.split(".")[1] == "k2"


lines = st.lists(st.fixed_dictionaries({
    "sku": st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,20}", fullmatch=True),
    "qty": st.integers(1, 1000), "unit_price": st.integers(0, 10**6)}), min_size=1, max_size=8,
    unique_by=lambda line: line["sku"])


@st.composite
def claims(draw):
    drawn = draw(lines)
    total = sum(line["qty"] * line["unit_price"] for line in drawn)
    first = draw(st.integers(0, total))
    paid = [{"tender": "card", "amount": first}, {"tender": "gift_card", "amount": total - first}]
    return {"order_id": draw(st.uuids()).hex, "currency": draw(st.sampled_from(["EUR", "GBP", "SEK"])),
            "lines": drawn, "total": total, "paid": draw(st.sampled_from([paid, [{"tender": "online",
                                                                                  "amount": total}]])),
            "issued_at": "2025-06-01T10:00:00.000Z"}


@settings(max_examples=60, deadline=None)
@given(claims(), st.integers(0, 10_000))
def test_any_valid_claims_round_trip_and_any_changed_byte_of_the_claims_is_caught(drawn, position):
    token = sign(drawn, PRIVATE, "k1")
    assert verify(token, {"k1": PUBLIC}) == drawn
    version, kid, body, signature = token.split(".")
    i = position % len(body)
    changed = body[:i] + ("A" if body[i] != "A" else "B") + body[i + 1:]
    with pytest.raises(InvalidReceiptToken):
        verify(f"{version}.{kid}.{changed}.{signature}", {"k1": PUBLIC})
