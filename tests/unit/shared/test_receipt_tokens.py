"""Receipt tokens (DESIGN §6 "Returns"): what central signs, a store verifies offline with the published keys, and
a third party verifies with a maintained JOSE library; tokens of the first format, already printed, still verify."""

import base64
import json

import jwt
import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contract.receipt_tokens import (
    InvalidReceiptToken,
    new_keypair,
    public_key,
    public_key_of,
)
from shared.runtime.receipt_tokens import sign, verify

CLAIMS = {"order_id": "0190f1c2-7a3b-7cde-8f00-123456789abc", "currency": "EUR",
          "lines": [{"sku": "TEE-RED-M", "qty": 2, "unit_price": 1999}, {"sku": "MUG-01", "qty": 1, "unit_price": 850}],
          "total": 4848, "paid": [{"tender": "online", "amount": 4848}], "issued_at": "2025-06-01T10:00:00.000Z"}
PRIVATE, PUBLIC = new_keypair()

# A token of the first format, as printed on order confirmations before the change, with its key.
V1_PUBLIC = "uPeaLxwcfVznqAR039gXC9vyIExC7/Ia8haNBuYp8YE="
V1_TOKEN = ("v1.k1.eyJvcmRlcl9pZCI6Ik9SRC0wSjhLMi03UUYzTSIsImN1cnJlbmN5IjoiRVVSIiwibGluZXMiOlt7InNrdSI6IlRFRS1SRUQtTSI"
            "sInF0eSI6MiwidW5pdF9wcmljZSI6MTk5MH1dLCJ0b3RhbCI6Mzk4MCwicGFpZCI6W3sidGVuZGVyIjoib25saW5lIiwiYW1vdW50IjozOTg"
            "wfV0sImlzc3VlZF9hdCI6IjIwMjYtMDMtMDJUMDk6MDA6MDAuMDAwWiJ9.vF4dU46eYmYmvjOhTsWA3mgF3wBgnhKJDce616ayWCSloZc9J_"
            "1EjJabcGj1YwiZnkddnErO7D1Bkqd2YAI8Cw")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def header_of(token: str) -> dict:
    return jwt.get_unverified_header(token)


class TestRoundTrip:
    def test_a_signed_token_verifies_to_its_claims(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        assert verify(token, {"k1": PUBLIC}) == CLAIMS

    def test_the_token_is_a_compact_jws_with_eddsa_and_the_key_id(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        header, body, signature = token.split(".")
        assert header_of(token) == {"alg": "EdDSA", "kid": "k1", "typ": "JWT"}
        assert json.loads(base64.urlsafe_b64decode(body + "==")) == CLAIMS
        assert len(base64.urlsafe_b64decode(signature + "==")) == 64
        assert all(c.isalnum() or c in "._-" for c in token)

    def test_a_third_party_verifies_it_with_pyjwt_and_the_published_key(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        assert jwt.decode(token, public_key(PUBLIC), algorithms=["EdDSA"]) == CLAIMS
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, public_key(new_keypair()[1]), algorithms=["EdDSA"])

    def test_the_public_key_is_derived_from_the_private_key(self):
        assert public_key_of(PRIVATE) == PUBLIC
        assert len(base64.b64decode(PUBLIC)) == 32 and len(PRIVATE) == 32


class TestQrOnAnEightyMillimetreReceipt:
    @pytest.mark.parametrize("lines", [2, 10])
    def test_an_order_of_up_to_ten_lines_fits_the_paper_at_the_collection_receipts_module_size(self, lines):
        # 80 mm paper prints 576 dots; the collection receipt draws QR modules 5 dots wide there.
        claims = {**CLAIMS, "lines": [{"sku": f"SKU-{n:05d}-XL", "qty": 1, "unit_price": 1999} for n in range(lines)],
                  "total": 1999 * lines, "paid": [{"tender": "online", "amount": 1999 * lines}]}
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=0)
        code.add_data(sign(claims, PRIVATE, "20260302-a1b2c3"))
        code.make(fit=True)
        assert (code.version * 4 + 17) * 5 <= 576


class TestTheFirstFormat:
    def test_a_token_printed_before_the_change_still_verifies(self):
        claims = verify(V1_TOKEN, {"k1": V1_PUBLIC})
        assert claims["order_id"] == "ORD-0J8K2-7QF3M" and claims["total"] == 3980

    def test_an_altered_token_of_the_first_format_is_refused(self):
        version, kid, body, signature = V1_TOKEN.split(".")
        tampered = b64url(json.dumps({**json.loads(base64.urlsafe_b64decode(body + "==")), "total": 1}).encode())
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(f"{version}.{kid}.{tampered}.{signature}", {"k1": V1_PUBLIC})


class TestRefusals:
    def test_claims_changed_after_signing_are_refused(self):
        header, _, signature = sign(CLAIMS, PRIVATE, "k1").split(".")
        tampered = b64url(json.dumps({**CLAIMS, "lines": [{**CLAIMS["lines"][0], "qty": 20}, CLAIMS["lines"][1]],
                                      "total": 40830, "paid": [{"tender": "online", "amount": 40830}]}).encode())
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(f"{header}.{tampered}.{signature}", {"k1": PUBLIC})

    def test_a_token_moved_to_another_key_id_is_refused(self):
        _, other_public = new_keypair()
        _, body, signature = sign(CLAIMS, PRIVATE, "k1").split(".")
        moved = b64url(json.dumps({"alg": "EdDSA", "kid": "k2", "typ": "JWT"}).encode())
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(f"{moved}.{body}.{signature}", {"k1": PUBLIC, "k2": PUBLIC})
        with pytest.raises(InvalidReceiptToken, match="altered"):
            verify(sign(CLAIMS, PRIVATE, "k1"), {"k1": other_public})

    @pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256"])
    def test_a_token_naming_another_algorithm_is_refused_whatever_it_carries(self, alg):
        _, body, _ = sign(CLAIMS, PRIVATE, "k1").split(".")
        header = b64url(json.dumps({"alg": alg, "kid": "k1", "typ": "JWT"}).encode())
        # An HMAC keyed with the public key's text: the classic confusion of a verifier that trusts `alg`.
        forged = jwt.encode(CLAIMS, PUBLIC.encode(), algorithm="HS256", headers={"kid": "k1"})
        for token in (f"{header}.{body}.", forged):
            with pytest.raises(InvalidReceiptToken):
                verify(token, {"k1": PUBLIC})

    def test_an_unknown_key_id_is_refused_with_the_key_named(self):
        with pytest.raises(InvalidReceiptToken, match="'k9'.*does not know") as caught:
            verify(sign(CLAIMS, PRIVATE, "k9"), {"k1": PUBLIC})
        assert "head office" in caught.value.reason

    @pytest.mark.parametrize("token", ["", "v1.k1.abc", "v1.k1..sig", "v2.k1.abc.def", "v1.k1.a+b.c/d",
                                       "v1.k1.é.sig", "x" * 5000, "v1.k1.abc.def.ghi", "a.b.c", "a.b", "é.b.c"])
    def test_text_that_is_not_a_token_is_refused(self, token):
        with pytest.raises(InvalidReceiptToken):
            verify(token, {"k1": PUBLIC})

    def test_a_signature_with_stray_characters_is_refused(self):
        token = sign(CLAIMS, PRIVATE, "k1")
        with pytest.raises(InvalidReceiptToken):
            verify(token + "!", {"k1": PUBLIC})

    @pytest.mark.parametrize("change", [{"total": 1}, {"paid": [{"tender": "online", "amount": 1}]},
                                        {"currency": "euro"}, {"lines": []}, {"extra": 1}])
    def test_claims_that_do_not_add_up_or_are_malformed_are_not_signed(self, change):
        with pytest.raises(ValueError):
            sign({**CLAIMS, **change}, PRIVATE, "k1")

    def test_signed_claims_that_are_not_ours_are_refused(self):
        odd = jwt.encode({"order_id": "O-1"}, Ed25519PrivateKey.from_private_bytes(PRIVATE), algorithm="EdDSA",
                         headers={"kid": "k1"})
        with pytest.raises(InvalidReceiptToken, match="unreadable"):
            verify(odd, {"k1": PUBLIC})

    @pytest.mark.parametrize("kid", ["", "a.b", "k" * 33, "k 1"])
    def test_a_key_id_that_would_break_the_format_is_not_signed_with(self, kid):
        with pytest.raises(ValueError):
            sign(CLAIMS, PRIVATE, kid)


class TestRotation:
    def test_after_a_rotation_old_tokens_still_verify_and_new_ones_name_the_new_key(self):
        new_private, new_public = new_keypair()
        published = {"k1": PUBLIC, "k2": new_public, "v1": V1_PUBLIC}
        old_token, new_token = sign(CLAIMS, PRIVATE, "k1"), sign(CLAIMS, new_private, "k2")
        assert verify(old_token, published) == verify(new_token, published) == CLAIMS
        assert header_of(new_token)["kid"] == "k2"


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
def test_any_valid_claims_round_trip_and_any_changed_character_of_the_claims_is_caught(drawn, position):
    token = sign(drawn, PRIVATE, "k1")
    assert verify(token, {"k1": PUBLIC}) == drawn
    header, body, signature = token.split(".")
    i = position % len(body)
    changed = body[:i] + ("A" if body[i] != "A" else "B") + body[i + 1:]
    with pytest.raises(InvalidReceiptToken):
        verify(f"{header}.{changed}.{signature}", {"k1": PUBLIC})
