"""How a unit of work's outcome is answered over HTTP."""

from http import HTTPStatus

from fastapi.responses import JSONResponse

from edge.services.stock import Outcome


def created(outcome: Outcome) -> JSONResponse:
    """201 Created, for the change made now and for a replay of it alike: a retry with the same Idempotency-Key
    answers exactly what the original request answered."""
    return JSONResponse(outcome.body, status_code=HTTPStatus.CREATED)
