"""`GET /v1/network/atp/{sku}` with no link to central at all."""

from tests.unit.edge.conftest import assert_problem


def test_offline_a_sku_never_heard_of_from_central_is_503_central_unreachable(signed_in):
    body = assert_problem(signed_in.get("/v1/network/atp/MUG-01"), 503, "central_unreachable")
    assert "MUG-01" in body["detail"]


def test_offline_a_sku_unknown_here_too_is_404_unknown_sku(signed_in):
    assert_problem(signed_in.get("/v1/network/atp/NO-SUCH-SKU"), 404, "unknown_sku")


def test_it_needs_a_signed_in_associate(client):
    assert_problem(client.get("/v1/network/atp/MUG-01"), 401, "unauthorized")
