"""Refusals in business words, with the stable codes clients act on (DESIGN §8).

Services and stores raise these; they carry no transport. The HTTP APIs turn them into
problem+json in one place (`shared.web.problems`), and central's NATS answers into the same body.
"""


class DomainError(Exception):
    """A refusal a client can act on: a stable `code`, a short `title`, and a sentence for a person."""

    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def as_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "detail": self.detail, **self.extra}


class InvalidInput(DomainError):
    """The request cannot be carried out as given; nothing changed."""

    code, title = "validation_error", "The request is not valid"


class AmountTooLarge(InvalidInput):
    """A total beyond what one document may carry (`shared.contract.models.MAX_AMOUNT`)."""

    code, title = "amount_too_large", "The amount is too large"


class NotFound(DomainError):
    code, title = "not_found", "Not found"


class UnknownSku(NotFound):
    code, title = "unknown_sku", "Unknown product"


class Unauthorized(DomainError):
    code, title = "unauthorized", "Not signed in"


class Forbidden(DomainError):
    code, title = "forbidden", "Not allowed"


class ManagerRequired(Forbidden):
    code, title = "manager_required", "A manager must approve this"


class Conflict(DomainError):
    """Not possible in the current state of the thing asked about."""

    code, title = "conflict", "Not possible in the current state"


class InvalidTransition(Conflict):
    code, title = "invalid_transition", "Not possible in the current state"


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Not enough stock"


class IdempotencyMismatch(InvalidInput):
    code, title = "idempotency_mismatch", "Idempotency-Key reused with another request"


class TooManyAttempts(DomainError):
    code, title = "too_many_attempts", "Too many attempts"


class Unavailable(DomainError):
    """Another part this answer depends on cannot be reached now; trying again later may work."""

    code, title = "unavailable", "Not available now"


class CentralUnreachable(Unavailable):
    code, title = "central_unreachable", "Head office cannot be reached"


class CreditNoteRefused(InvalidInput):
    """A credit note that cannot pay this sale: `reason` is unknown, currency, expired, insufficient or
    invalid_amount; nothing was held or recorded."""

    code, title = "credit_note_refused", "The credit note cannot pay this"
