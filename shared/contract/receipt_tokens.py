"""Signed receipt tokens of online orders (DESIGN §6 "Returns"): what central and stores agree a token says.

Central signs a token per order with its current Ed25519 key; a store verifies it offline with the public keys
central publishes on `omni.catalog.keys`. The claims are compact JSON `{order_id, currency, lines: [{sku, qty,
unit_price}], total, paid: [{tender, amount}], issued_at}`; amounts are minor units, `total` is the sum of
qty × unit_price and equals the sum of `paid`. Public keys are the 32 raw bytes in standard base64; private keys
the 32 raw bytes.

Tokens are issued as compact JWS with EdDSA (`shared.runtime.receipt_tokens`), which anyone can check with a
maintained JOSE library. The first tokens were a format of our own, `v1.<kid>.<claims>.<signature>` (base64url
claims; an Ed25519 signature of the ASCII text `v1.<kid>.<claims>`): those already printed on order
confirmations keep verifying here (`verify_v1`) until they are past any return period.
"""

import base64
import binascii
import re
from typing import Annotated

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from shared.contract.errors import InvalidInput
from shared.contract.models import Currency, Minor, PositiveQty, Sku

VERSION = "v1"  # the first format's prefix
MAX_TOKEN_CHARS = 4000  # what a QR code can still carry; anything longer is not one of ours
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
KeyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class InvalidReceiptToken(InvalidInput):
    """A token that is not one central signed, or not with a key this side knows."""

    code, title = "invalid_receipt_token", "The receipt token does not check out"

    @property
    def reason(self) -> str:
        return self.detail


class _Claims(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TokenLine(_Claims):
    sku: Sku
    qty: PositiveQty
    unit_price: Minor


class TokenPayment(_Claims):
    tender: str = Field(min_length=1, max_length=30)
    amount: Minor


class ReceiptClaims(_Claims):
    order_id: str = Field(min_length=1, max_length=64)
    currency: Currency
    lines: list[TokenLine] = Field(min_length=1, max_length=100)
    total: Minor
    paid: list[TokenPayment] = Field(min_length=1, max_length=10)
    issued_at: str = Field(min_length=1, max_length=40, description="RFC 3339, central's clock.")

    @model_validator(mode="after")
    def _amounts_add_up(self):
        lines_total = sum(line.qty * line.unit_price for line in self.lines)
        if self.total != lines_total:
            raise ValueError(f"total {self.total} is not the lines' sum {lines_total}")
        if sum(p.amount for p in self.paid) != self.total:
            raise ValueError(f"paid {sum(p.amount for p in self.paid)} is not the total {self.total}")
        return self


class _KeyIdCheck(BaseModel):
    kid: KeyId


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_keypair() -> tuple[bytes, str]:
    """A fresh signing key: (32 raw private bytes, the public key as standard base64)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes_raw(), base64.b64encode(key.public_key().public_bytes_raw()).decode("ascii")


def public_key_of(private_key_bytes: bytes) -> str:
    """The standard-base64 public key of a raw private key."""
    public = Ed25519PrivateKey.from_private_bytes(private_key_bytes).public_key()
    return base64.b64encode(public.public_bytes_raw()).decode("ascii")


def checked_claims(claims: dict) -> dict:
    """The claims as they are signed; ValueError when they are incomplete or do not add up."""
    try:
        return ReceiptClaims.model_validate(claims).model_dump(mode="json")
    except ValidationError as e:
        raise ValueError(f"cannot sign these receipt claims: {e}") from e


def check_kid(kid: str) -> str:
    try:
        return _KeyIdCheck.model_validate({"kid": kid}).kid
    except ValidationError as e:
        raise ValueError(f"{kid!r} is not a key id (1 to 32 letters, digits, - or _)") from e


def claims_from_json(data: bytes | str) -> dict:
    """The claims of a token whose signature checked out; InvalidReceiptToken when they are not ours."""
    try:
        return ReceiptClaims.model_validate_json(data).model_dump(mode="json")
    except (ValidationError, ValueError) as e:
        raise InvalidReceiptToken("The receipt token is signed but its claims are unreadable.") from e


def unknown_key(kid: str) -> InvalidReceiptToken:
    return InvalidReceiptToken(f"The receipt token was signed with key {kid[:32]!r}, which this side does not "
                               "know; wait until the keys from head office arrive, or check the token.")


def altered() -> InvalidReceiptToken:
    return InvalidReceiptToken("The receipt token's signature does not match its contents; it was altered or not "
                               "issued by head office.")


def verify_v1(token: str, public_keys: dict[str, str]) -> dict:
    """The claims of a token of the first format signed by one of `public_keys` (kid → standard-base64 key).

    Raises InvalidReceiptToken with a sentence saying what is wrong."""
    parts = token.strip().split(".")
    if len(parts) != 4 or not all(parts):
        raise InvalidReceiptToken("This is not a receipt token (it must have four parts separated by dots).")
    version, kid, body, signature = parts
    if not (_B64URL.match(body) and _B64URL.match(signature)):
        raise InvalidReceiptToken("This is not a receipt token (its parts must be base64url).")
    if version != VERSION:
        raise InvalidReceiptToken(f"Receipt token version {version[:10]!r} is not supported; this side reads "
                                  f"{VERSION}.")
    if kid not in public_keys:
        raise unknown_key(kid)
    try:
        public_key(public_keys[kid]).verify(_unb64url(signature), f"{version}.{kid}.{body}".encode("ascii"))
        claims = _unb64url(body)
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError) as e:
        raise altered() from e
    return claims_from_json(claims)


def public_key(text: str) -> Ed25519PublicKey:
    """A published key (standard base64 of 32 bytes); ValueError when it is not one."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
