"""RFC 9457 problem+json errors with stable codes (DESIGN §8), for every API.

Domain code raises `Problem` subclasses in business words; only `install_problem_handlers`
turns them, and FastAPI's own validation and HTTP errors, into problem+json.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error a client can act on: a stable `code` and a sentence for a person."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def body(self, instance: str | None = None) -> dict:
        body = {"type": f"https://omnistore.dev/problems/{self.code}", "title": self.title,
                "status": self.status, "code": self.code, "detail": self.detail}
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class ValidationProblem(Problem):
    status, code, title = 422, "validation_error", "The request is not valid"


class NotFound(Problem):
    status, code, title = 404, "not_found", "Not found"


class UnknownSku(Problem):
    status, code, title = 404, "unknown_sku", "Unknown product"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Not signed in"


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Not allowed"


class ManagerRequired(Problem):
    status, code, title = 403, "manager_required", "A manager must approve this"


class InvalidTransition(Problem):
    status, code, title = 409, "invalid_transition", "Not possible in the current state"


class InsufficientStock(Problem):
    status, code, title = 409, "insufficient_stock", "Not enough stock"


class IdempotencyMismatch(Problem):
    status, code, title = 422, "idempotency_mismatch", "Idempotency-Key reused with another request"


class IdempotencyInFlight(Problem):
    status, code, title = 409, "idempotency_in_flight", "The same request is still being processed"


class TooManyAttempts(Problem):
    status, code, title = 429, "too_many_attempts", "Too many attempts"


class CentralUnreachable(Problem):
    status, code, title = 503, "central_unreachable", "Head office cannot be reached"


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               429: "too_many_attempts"}


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "the request"


def _sentence(errors: list[dict]) -> str:
    first = errors[0]
    where = _where(tuple(first.get("loc", ())))
    message = first.get("msg", "is not valid")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {message}{more}."


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(problem.body(instance), status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error this app answers, FastAPI's own included, becomes problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return problem_response(ValidationProblem(_sentence(errors), errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        problem = Problem(str(exc.detail))
        problem.status = exc.status_code
        problem.code = _HTTP_CODES.get(exc.status_code, "http_error")
        problem.title = "Not found" if exc.status_code == 404 else "Request refused"
        if exc.status_code == 404 and exc.detail == "Not Found":
            problem.detail = f"There is nothing at {request.url.path}."
        return problem_response(problem, request)
