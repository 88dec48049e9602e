"""Token scopes of the head-office API: `admin` ⊃ `orders` ⊃ `read`."""

from enum import StrEnum


class Scope(StrEnum):
    ADMIN = "admin"
    ORDERS = "orders"
    READ = "read"


# An order-taking client (a web shop) must also check availability, so `orders` includes `read`.
_IMPLIES = {Scope.ADMIN: {Scope.ADMIN, Scope.ORDERS, Scope.READ},
            Scope.ORDERS: {Scope.ORDERS, Scope.READ},
            Scope.READ: {Scope.READ}}


def grants(held: set[Scope] | frozenset[Scope], needed: Scope) -> bool:
    return any(needed in _IMPLIES[scope] for scope in held)
