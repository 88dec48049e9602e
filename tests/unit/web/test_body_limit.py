"""A body above the limit is refused before it is parsed, with or without a token; unreadable bodies are
problem+json too."""

from fastapi.testclient import TestClient

from central.api.app import create_app as create_central
from tests.unit.web.conftest import ADMIN, assert_problem, central_settings, sign_in

MIB = 1024 * 1024


def _chunks(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        yield data[start:start + size]


class TestBodySizeLimit:
    def test_a_body_over_one_mebibyte_is_refused_without_a_token(self, central, edge):
        big = b'{"name": "' + b"x" * MIB + b'"}'
        for client, path in ((central, "/v1/tokens"), (edge, "/v1/login")):
            response = client.post(path, content=big, headers={"Content-Type": "application/json"})
            body = assert_problem(response, 413, "too_large")
            assert body["max_bytes"] == MIB

    def test_a_body_over_the_limit_is_refused_with_a_token_too(self, central, edge):
        big = b"[" + b"1," * (MIB // 2) + b"1]"
        assert_problem(central.post("/v1/atp/query", content=big, headers=ADMIN), 413, "too_large")
        assert_problem(edge.post("/v1/sales", content=big, headers=sign_in(edge)), 413, "too_large")

    def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(self, edge):
        response = edge.post("/v1/login", content=_chunks(b" " * (2 * MIB)),
                             headers={"Content-Type": "application/json"})
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_problem(response, 413, "too_large")

    def test_the_limit_is_a_setting(self, tmp_path):
        with TestClient(create_central(central_settings(tmp_path, max_body_bytes=2048), with_nats=False)) as client:
            body = {"name": "webshop", "scopes": ["read"], "pad": "x" * 3000}
            assert_problem(client.post("/v1/tokens", json=body, headers=ADMIN), 413, "too_large")
            small = client.post("/v1/tokens", json={"name": "webshop", "scopes": ["read"]}, headers=ADMIN)
            assert small.status_code == 201


class TestUnreadableBodies:
    def test_a_body_that_is_not_json_is_a_validation_problem(self, central, edge):
        for client, path, headers in ((central, "/v1/tokens", ADMIN), (edge, "/v1/sales", sign_in(edge))):
            response = client.post(path, content=b'{"lines": [', headers={**headers,
                                                                          "Content-Type": "application/json"})
            assert_problem(response, 422, "validation_error")

    def test_a_body_that_is_not_utf8_is_a_bad_request_problem(self, edge):
        response = edge.post("/v1/login", content=b'{"associate_id": "\xff\xfe"}',
                             headers={"Content-Type": "application/json"})
        assert_problem(response, 400, "bad_request")
