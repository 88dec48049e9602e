"""How a part logs: readable lines for a person, or JSON lines for a log collector (`--log-format json`).

A JSON line is one object: `time` (UTC, RFC 3339 with milliseconds), `level`, `logger`, `message`, `request_id`
while an HTTP request is being answered, `exception` (the traceback) when one is logged. The request id lives in a
context variable that the web middleware sets (`shared/web/request_ids.py`); it follows the request into the thread
pool that runs the routes, so every line logged on its behalf carries it.
"""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Literal

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

REQUEST_ID: ContextVar[str | None] = ContextVar("omnistore_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was logged in (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line; a message with newlines stays on its line (JSON escapes them)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def set_up_logging(level: str, log_format: LogFormat) -> None:
    """The root logger's one handler, on stderr, in the chosen format; replaces whatever was set up before."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())


def uvicorn_logging(log_format: LogFormat) -> dict:
    """uvicorn's own log set-up: its usual one for text; none for JSON, so its lines (the access log included) go
    through the root handler above and come out as JSON lines with their request's id."""
    return {"log_config": None} if log_format == "json" else {}
