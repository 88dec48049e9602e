"""A bounded, seeded fuzz of both APIs in-process (schemathesis over each app's own OpenAPI document): valid and
invalid requests to every operation, signed in with full rights. None may answer a 5xx (only a store's documented
503 `central_unreachable` while head office cannot be asked), every error is problem+json, every status and
every body is the one the document declares."""

import os
from collections.abc import Callable

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from central.api.app import create_app as create_central
from edge.api.app import create_app as create_edge
from tests.unit.web.conftest import ADMIN, central_settings, edge_settings, sign_in

# Examples per operation and generation mode: small in the suite (a few seconds an app); raise it to hunt.
EXAMPLES = int(os.environ.get("OMNISTORE_FUZZ_EXAMPLES", "4"))
# Not negative_data_rejection: the requests carry the token themselves (schemathesis would count a dropped header as
# the invalid part) and unknown query parameters are ignored, as HTTP APIs commonly do.
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
ALLOWED_5XX = {(503, "central_unreachable")}  # a store offline from head office says so; nothing else


def _seed_central(client: TestClient) -> None:
    client.put("/v1/stores/S001", json={"name": "High Street", "address": "1 High St", "lat": 51.5, "lon": -0.1},
               headers=ADMIN)
    client.put("/v1/products/TEE", json={"name": "Tee", "price": 1999, "currency": "EUR"}, headers=ADMIN)


def _fuzz(app, headers: dict, seed: Callable[[TestClient], None] | None = None) -> list[str]:
    with TestClient(app) as client:
        if seed is not None:
            seed(client)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(headers=headers)
                label = f"{operation.label} [{mode.value}] -> {response.status_code}"
                media = (response.headers.get("content-type") or [""])[0]
                if response.status_code >= 400 and not media.startswith("application/problem+json"):
                    found.append(f"{label}: not problem+json ({media})")
                    return
                if response.status_code >= 500:
                    code = response.json().get("code") if media.startswith("application/problem+json") else None
                    if (response.status_code, code) not in ALLOWED_5XX:
                        found.append(f"{label}: {response.text[:200]}")
                    return
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - each is a finding, listed below
                    for each in getattr(failure, "exceptions", [failure]):
                        found.append(f"{label}: {' '.join(str(each).split())[:240]}")

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid (an operation without parameters)
            except Exception as failure:  # noqa: BLE001 - an exception raised by the app itself
                found.append(f"{operation.label} [{mode.value}]: {type(failure).__name__}: {failure}"[:300])
    return found


@pytest.fixture(autouse=True)
def lifespans_end_with_the_test():
    yield
    asgi.shutdown_lifespans()


def test_central_answers_every_fuzzed_request_as_documented(tmp_path):
    found = _fuzz(create_central(central_settings(tmp_path), with_nats=False), ADMIN, _seed_central)
    assert not found, "\n".join(sorted(set(found)))


def test_a_store_answers_every_fuzzed_request_as_documented(tmp_path):
    app = create_edge(edge_settings(tmp_path), with_nats=False)
    with TestClient(app) as client:
        headers = sign_in(client, "M1", "97531")
    found = _fuzz(app, headers)
    assert not found, "\n".join(sorted(set(found)))
