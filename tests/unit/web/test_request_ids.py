"""Request ids through a real app: the answer's header, and the log lines of the request, also when a bug makes the
request fail (the 500 is answered and logged outside every middleware)."""

import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.runtime.logs import JsonLines, RequestIdFilter
from shared.web.problems import install_problem_handlers
from shared.web.request_ids import RequestIds


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonLines())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines():
    handler = Lines()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def client():
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestIds)
    log = logging.getLogger("tests.request_ids")

    @app.get("/work")
    def work() -> dict:  # plain def: runs in the thread pool
        log.warning("working on it")
        return {"ok": True}

    @app.get("/bug")
    def bug() -> dict:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_line_logged_by_a_route_in_the_thread_pool_carries_the_callers_id(client, lines):
    answer = client.get("/work", headers={"X-Request-ID": "till-1-0001"})
    assert answer.headers["X-Request-ID"] == "till-1-0001"
    assert [line["request_id"] for line in lines if line["message"] == "working on it"] == ["till-1-0001"]


def test_a_request_that_fails_on_a_bug_is_answered_and_logged_with_its_id(client, lines):
    answer = client.get("/bug", headers={"X-Request-ID": "till-1-0002"})
    assert answer.status_code == 500 and answer.json()["code"] == "internal_error"
    assert answer.headers["X-Request-ID"] == "till-1-0002"
    [logged] = [line for line in lines if line["message"].startswith("unexpected error")]
    assert logged["request_id"] == "till-1-0002" and "RuntimeError: a bug" in logged["exception"]
