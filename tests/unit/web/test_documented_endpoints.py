"""Every endpoint of both apps is documented, and every success answer in their OpenAPI documents has a real schema.

The rule (stated at the top of docs/central.md): an endpoint is documented when its doc holds a code span that
begins with `METHOD /path` — the path as the OpenAPI document has it, any name in braces standing for any other
(`{id}` for `{store_id}`), a query string or a body after it allowed (`` `GET /v1/orders?status=` ``,
`` `POST /v1/login` ``). Central's are the first cells of its API tables. A new route without one fails here by its
method and path.
"""

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from central.api.app import create_app as create_central
from edge.api.app import create_app as create_edge
from tests.unit.web.conftest import central_settings, edge_settings


class Modelled(BaseModel):
    n: int


DOCS = Path(__file__).parents[3] / "docs"
METHODS = {"get", "put", "post", "delete", "patch"}
CODE_SPAN = re.compile(r"`(GET|PUT|POST|DELETE|PATCH) (/[^`\s?]*)")


def _shape(path: str) -> str:
    """A path with every `{name}` as `{}`: documents name parameters as they read best."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def documented(doc: str) -> set[tuple[str, str]]:
    return {(method, _shape(path)) for method, path in CODE_SPAN.findall(doc)}


def undocumented(document: dict, doc: str) -> list[str]:
    known = documented(doc)
    return sorted(f"{method.upper()} {path}" for path, operations in document["paths"].items()
                  for method in operations if method in METHODS and (method.upper(), _shape(path)) not in known)


def real(schema: dict) -> bool:
    """A schema that says what the answer holds: a model (`$ref`), an object with properties, a list of real
    items, a scalar type, or a choice of real ones — not `{}` or a bare `object`."""
    if "$ref" in schema:
        return True
    choices = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if choices:
        return all(real(choice) or choice.get("type") == "null" for choice in choices)
    kind = schema.get("type")
    if kind == "object":
        return bool(schema.get("properties"))
    if kind == "array":
        return real(schema.get("items") or {})
    return kind in {"string", "integer", "number", "boolean"}


def empty_successes(document: dict) -> list[str]:
    """Operations whose 2xx JSON answer in an OpenAPI document has no real schema."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content", {})
                if not content:
                    found.append(f"{method.upper()} {path} {status}: no content")
                for media, body in content.items():
                    if media == "application/json" and not real(body.get("schema") or {}):
                        found.append(f"{method.upper()} {path} {status}: {body.get('schema')}")
    return found


class TestTheRule:
    def test_reads_code_spans_with_any_parameter_names_and_a_query_after_the_path(self):
        doc = "| `GET /v1/stores/{id}` | … |\nthen `GET /v1/orders?status=&cursor=` and `POST /v1/login` `{pin}`"
        assert documented(doc) == {("GET", "/v1/stores/{}"), ("GET", "/v1/orders"), ("POST", "/v1/login")}

    def test_a_path_only_mentioned_in_passing_is_not_documented(self):
        assert documented("see GET /v1/stores, or `/v1/stores`") == set()

    def test_an_answer_without_a_model_has_no_real_schema(self):
        app = FastAPI()

        @app.get("/bare")
        def bare() -> dict:
            return {}

        @app.get("/listed", response_model=list[dict])
        def listed() -> list:
            return []

        @app.get("/modelled", response_model=Modelled)
        def modelled() -> dict:
            return {"n": 1}

        assert [line.split(":")[0] for line in empty_successes(app.openapi())] == ["GET /bare 200", "GET /listed 200"]


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict[str, dict]:
    """Each app's OpenAPI document, made once."""
    folder = tmp_path_factory.mktemp("apps")
    return {"central": create_central(central_settings(folder), with_nats=False).openapi(),
            "edge": create_edge(edge_settings(folder), with_nats=False).openapi()}


def test_every_central_endpoint_has_its_row_in_docs_central(openapi):
    assert undocumented(openapi["central"], (DOCS / "central.md").read_text()) == []


def test_every_edge_endpoint_is_in_docs_edge(openapi):
    assert undocumented(openapi["edge"], (DOCS / "edge.md").read_text()) == []


def test_every_success_answer_of_both_apps_has_a_real_schema(openapi):
    assert empty_successes(openapi["central"]) + empty_successes(openapi["edge"]) == []
