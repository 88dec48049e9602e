"""Receipt tokens as compact JWS (RFC 7515) signed with EdDSA over Ed25519 (RFC 8037), through PyJWT.

    <base64url header {"alg":"EdDSA","kid":…,"typ":"JWT"}>.<base64url claims>.<base64url signature>

The claims are `shared.contract.receipt_tokens.ReceiptClaims`. A third party checks a token with any JOSE library,
pinned to EdDSA and given the key named by `kid` from `GET /v1/keys` (e.g. PyJWT:
`jwt.decode(token, key, algorithms=["EdDSA"])`). Tokens of the first format (`v1.…`), already printed on order
confirmations, still verify here.
"""

import binascii

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.contract.receipt_tokens import (
    MAX_TOKEN_CHARS,
    VERSION,
    InvalidReceiptToken,
    altered,
    check_kid,
    checked_claims,
    claims_from_json,
    public_key,
    unknown_key,
    verify_v1,
)

ALGORITHM = "EdDSA"  # the only one accepted: a token naming another (or "none") is refused


def sign(claims: dict, private_key_bytes: bytes, kid: str) -> str:
    """The token for these claims; ValueError when they are incomplete or do not add up."""
    payload = checked_claims(claims)
    return jwt.encode(payload, Ed25519PrivateKey.from_private_bytes(private_key_bytes), algorithm=ALGORITHM,
                      headers={"kid": check_kid(kid)})


def verify(token: str, public_keys: dict[str, str]) -> dict:
    """The claims of a token signed by one of `public_keys` (kid → standard-base64 public key), of either format.

    Raises InvalidReceiptToken with a sentence saying what is wrong."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise InvalidReceiptToken("This is not a receipt token (too long or not text).")
    token = token.strip()
    if token.startswith(VERSION + "."):
        return verify_v1(token, public_keys)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise InvalidReceiptToken("This is not a receipt token (not a signed token of head office).") from e
    if header.get("alg") != ALGORITHM:
        raise InvalidReceiptToken(f"The receipt token is signed with {str(header.get('alg'))[:20]!r}; only "
                                  f"{ALGORITHM} tokens of head office are accepted.")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in public_keys:
        raise unknown_key(str(kid))
    try:
        key = public_key(public_keys[kid])
    except (binascii.Error, ValueError) as e:
        raise unknown_key(kid) from e
    try:
        # Signature first, then our own reading of the claims: PyJWT checks no claim we do not use.
        signed = jwt.api_jws.decode_complete(token, key=key, algorithms=[ALGORITHM])
    except jwt.PyJWTError as e:
        raise altered() from e
    return claims_from_json(signed["payload"])


