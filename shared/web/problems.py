"""RFC 9457 problem+json for every API (DESIGN §8): the one place refusals become HTTP.

Services raise `shared.contract.errors` in business words; `install_problem_handlers` turns them,
and FastAPI's own validation and HTTP errors, into problem+json with a status from `STATUS`.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.contract.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)
from shared.runtime.logs import REQUEST_ID
from shared.web import request_ids

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

# The most specific kind a refusal is decides its status; a refusal of no listed kind is a plain 400.
STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422, NotFound: 404, Unauthorized: 401, Forbidden: 403, Conflict: 409,
    TooManyAttempts: 429, Unavailable: 503,
}

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               429: "too_many_attempts"}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def _problem_body(*, code: str, title: str, status: int, detail: str, instance: str | None, extra: dict) -> dict:
    body = {"type": f"https://omnistore.dev/problems/{code}", "title": title, "status": status, "code": code,
            "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _respond(body: dict, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def too_large_response(max_bytes: int, path: str) -> JSONResponse:
    return _respond(_problem_body(code="too_large", title="Request body too large", status=413, instance=path,
                                  detail=f"The request body is larger than {max_bytes} bytes, the most this API "
                                         "accepts; send less at a time.", extra={"max_bytes": max_bytes}), 413)


def problem_response(error: DomainError, request: Request | None = None) -> JSONResponse:
    status = status_of(error)
    return _respond(_problem_body(code=error.code, title=error.title, status=status, detail=error.detail,
                                  instance=request.url.path if request is not None else None, extra=error.extra), status)


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "the request"


def _sentence(errors: list[dict]) -> str:
    first = errors[0]
    where = _where(tuple(first.get("loc", ())))
    message = first.get("msg", "is not valid")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {message}{more}."


PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "code", "detail"],
    "description": "RFC 9457 problem details; `code` is stable for clients to act on, `detail` a sentence for a "
                   "person. Some problems carry more fields (e.g. `errors`, `available`, `retry_after_s`).",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "code": {"type": "string"}, "detail": {"type": "string"}, "instance": {"type": "string"}},
    "additionalProperties": True}

# What any operation may answer besides its own successes: refusals in business words (their kinds map to these
# statuses in STATUS), sign-in and scope problems, an oversized body, and — never on purpose — an internal error.
_ERRORS = {400: "Bad request", 401: "Not signed in, or the token is unknown or lapsed",
           403: "Not allowed with this token or role", 404: "Not found", 409: "Not possible in the current state",
           413: "Request body too large", 422: "The request is not valid (validation_error, or a business code)",
           429: "Too many attempts", 500: "Internal error", 503: "Another part this depends on cannot be reached"}


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document says what the app really answers: every error as application/problem+json."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for schemas in (schema["components"]["schemas"],):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in _ERRORS.items():
                    given = responses.get(str(status), {}).get("description")
                    responses[str(status)] = {"description": given if given and given != "Validation Error"
                                              else description, "content": problem}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def install_problem_handlers(app: FastAPI) -> None:
    """Every error this app answers, FastAPI's own included, becomes problem+json, and the OpenAPI says so."""
    _document_problems(app)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # A bug, not a refusal: logged with its trace by the server; the client still gets problem+json.
        log.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
        answer = _respond(_problem_body(code="internal_error", title="Internal error", status=500,
                                        detail="Something went wrong on our side. Try again; if it keeps "
                                               "happening, report it with the time it happened.",
                                        instance=request.url.path, extra={}), 500)
        request_id = REQUEST_ID.get()
        if request_id is not None:  # answered outside the middleware that sets the header on every other answer
            answer.headers[request_ids.HEADER] = request_id
        return answer

    @app.exception_handler(DomainError)
    async def _refusal(request: Request, exc: DomainError):
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return problem_response(InvalidInput(_sentence(errors), errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = str(exc.detail)
        if exc.status_code == 404 and exc.detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        return _respond(_problem_body(
            code=_HTTP_CODES.get(exc.status_code, "http_error"), status=exc.status_code, detail=detail,
            title="Not found" if exc.status_code == 404 else "Request refused", instance=request.url.path, extra={}),
            exc.status_code)
