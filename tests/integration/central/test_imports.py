"""CSV imports through the API: row-by-row answers, the good rows applied, a refused row changing nothing."""

import pytest

from shared.runtime.clock import now_text
from tests.conftest import free_port
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    STORE_BODY,
    running_central,
)
from tests.waiting import eventually

CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def central(tmp_path):
    from central.settings import CentralSettings

    settings = CentralSettings(db_path=tmp_path / "central.db", nats_url=f"nats://127.0.0.1:{free_port()}",
                               admin_token=ADMIN_TOKEN)
    async with running_central(settings, wait_ready=False, with_nats=False) as running:
        yield running


async def imported(central, kind: str, text: str, **params) -> dict:
    """Upload, then the import once it has finished (its first page of refusals included)."""
    posted = await central.client.post(f"/v1/imports/{kind}", content=text.encode(), headers=CSV)
    assert posted.status_code == 202, posted.text
    assert posted.headers["location"] == f"/v1/imports/{posted.json()['id']}"

    async def finished():
        view = (await central.client.get(posted.headers["location"], params=params)).json()
        return view if view["status"] in ("done", "failed") else None

    return await eventually(finished, what="the import finishing")


class TestProducts:
    async def test_good_rows_apply_and_each_bad_row_is_refused_with_its_row_column_and_reason(self, central):
        view = await imported(central, "products", (
            "sku,name,gtin,price,currency,tax_rate_bp,active\n"
            "TEE-1,Red tee,,1999,EUR,2000,true\n"
            "TEE-2,Blue tee,,12.50,EUR,2000,true\n"
            "TEE-3,,,500,eur,0,\n"
            "TEE-4,Green tee,4006381333931,2500,EUR,,false\n"))
        assert (view["status"], view["rows_read"], view["rows_applied"], view["rows_refused"]) == ("done", 4, 2, 2)
        assert view["refusals"] == [
            {"row": 3, "column": "price",
             "message": "'12.50' is not accepted: input should be a valid integer, unable to parse string as an "
                        "integer."},
            {"row": 4, "column": "name", "message": "This column is empty; it needs a value."},
            {"row": 4, "column": "currency",
             "message": "'eur' is not accepted: string should match pattern '^[A-Z]{3}$'."},
        ]
        products = {p["sku"]: p for p in (await central.client.get("/v1/products")).json()["items"]}
        assert set(products) == {"TEE-1", "TEE-4"}
        assert products["TEE-4"]["active"] is False and products["TEE-4"]["tax_rate_bp"] == 0
        assert products["TEE-1"]["published_at"] is None  # marked for the stores, as a single PUT is

    async def test_a_row_obeys_the_same_rules_as_the_json_body(self, central):
        body = {**PRODUCT_BODY, "price": 10_000_000_001}
        single = await central.client.put("/v1/products/BIG", json=body)
        view = await imported(central, "products", "sku,name,price,currency\nBIG,Big,10000000001,EUR\n")
        assert single.status_code == 422 and view["rows_refused"] == 1
        assert "less than or equal to 10000000000" in view["refusals"][0]["message"]
        assert "less than or equal to 10000000000" in single.json()["detail"]

    async def test_a_row_with_too_many_cells_is_refused_as_a_whole(self, central):
        view = await imported(central, "products", "sku,name,price,currency\nA,Tee, red,100,EUR\nB,Tee,100,EUR\n")
        assert view["rows_applied"] == 1
        assert view["refusals"] == [{"row": 2, "column": None, "message": (
            "This row has 5 cells but the header names 4 columns; a comma inside a value must be in double "
            "quotes.")}]

    async def test_a_quoted_value_may_hold_commas_and_line_breaks(self, central):
        view = await imported(central, "products", 'sku,name,price,currency\nA,"Tee, red\nlarge",100,EUR\nB,x,1,EU\n')
        assert view["rows_applied"] == 1
        assert view["refusals"][0]["row"] == 3  # the record after the one that spans two lines
        assert (await central.client.get("/v1/products")).json()["items"][0]["name"] == "Tee, red\nlarge"


class TestTheUpload:
    async def test_unknown_and_missing_columns_are_refused_before_anything_is_stored(self, central):
        response = await central.client.post("/v1/imports/products", content=b"sku,name,prize\nA,B,1\n", headers=CSV)
        assert response.status_code == 422 and response.json()["code"] == "validation_error"
        assert response.json()["detail"].startswith("Unknown column(s) 'prize'; the columns are sku, name, gtin, ")
        missing = await central.client.post("/v1/imports/products", content=b"sku,name\nA,B\n", headers=CSV)
        assert missing.json()["detail"] == "Missing column(s) 'price', 'currency'."
        assert central.query("SELECT COUNT(*) FROM imports")[0][0] == 0

    async def test_a_file_that_is_not_csv_text_is_refused(self, central):
        json_body = await central.client.post("/v1/imports/products", json=[{"sku": "A"}])
        not_utf8 = await central.client.post("/v1/imports/products", content="sku\nÄ".encode("latin-1"), headers=CSV)
        assert json_body.status_code == 415 and json_body.json()["code"] == "unsupported_media_type"
        assert not_utf8.status_code == 422 and "not UTF-8" in not_utf8.json()["detail"]

    async def test_the_same_idempotency_key_and_file_make_one_import(self, central):
        text = b"sku,name,price,currency\nA,Tee,100,EUR\n"
        first = await central.client.post("/v1/imports/products", content=text,
                                          headers={**CSV, "Idempotency-Key": "upload-1"})
        again = await central.client.post("/v1/imports/products", content=text,
                                          headers={**CSV, "Idempotency-Key": "upload-1"})
        other = await central.client.post("/v1/imports/products", content=text + b"B,Mug,1,EUR\n",
                                          headers={**CSV, "Idempotency-Key": "upload-1"})
        assert (first.status_code, again.status_code) == (202, 202) and first.json()["id"] == again.json()["id"]
        assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
        assert central.query("SELECT COUNT(*) FROM imports")[0][0] == 1

    async def test_an_unknown_kind_or_import_is_refused(self, central):
        assert (await central.client.post("/v1/imports/orders", content=b"a\n", headers=CSV)).status_code == 422
        assert (await central.client.get("/v1/imports/nope")).json()["code"] == "not_found"

    async def test_imports_need_the_admin_scope(self, central):
        token = (await central.client.post("/v1/tokens", json={"name": "r", "scopes": ["read", "orders"]})).json()
        response = await central.client.post("/v1/imports/products", content=b"sku,name,price,currency\n",
                                             headers={**CSV, "Authorization": f"Bearer {token['token']}"})
        assert response.status_code == 403


class TestStoresWarehouseStockAndSafetyStock:
    async def test_stores_register_as_with_the_single_route(self, central):
        view = await imported(central, "stores", (
            "id,name,address,lat,lon,capabilities,ship_capacity_per_day\n"
            "S101,North,1 North St,51.5,-0.1,pickup ship_from_store,40\n"
            "S102,South,1 South St,91,-0.1,,\n"
            "S103,East,1 East St,51.5,0.1,pickup teleport,\n"
            "S104,West,1 West St,51.5,-0.3,pickup,\n"))
        assert view["rows_applied"] == 2
        assert [(r["row"], r["column"]) for r in view["refusals"]] == [(3, "lat"), (4, "capabilities")]
        store = (await central.client.get("/v1/stores/S101")).json()
        assert store["capabilities"] == ["pickup", "ship_from_store"] and store["ship_capacity_per_day"] == 40
        assert (await central.client.get("/v1/stores/S104")).json()["capabilities"] == ["pickup"]

    async def test_a_warehouse_row_for_a_store_or_an_unknown_node_is_refused(self, central):
        await central.client.put("/v1/stores/S001", json=STORE_BODY)
        await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})
        await central.client.put("/v1/products/TEE", json=PRODUCT_BODY)
        at = now_text()
        view = await imported(central, "warehouse-stock", (
            f"node_id,sku,available,as_of\nDC1,TEE,40,{at}\nS001,TEE,5,{at}\nDC9,TEE,5,{at}\n"
            f"DC1,CAP,-1,{at}\nDC1,CAP,3,3026-01-01T00:00:00Z\n"))
        assert view["rows_applied"] == 1
        assert [(r["row"], r["column"]) for r in view["refusals"]] == [
            (3, "node_id"), (4, "node_id"), (5, "available"), (6, "as_of")]
        assert view["refusals"][0]["message"] == ("S001 is a store: its stock comes from its own events, not an "
                                                  "import.")
        atp = (await central.client.get("/v1/atp/TEE")).json()
        assert atp["network"]["atp"] == 40

    async def test_safety_stock_per_node_and_per_sku_lowers_atp(self, central):
        await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})
        await central.client.put("/v1/nodes/DC2", json={**STORE_BODY, "type": "warehouse"})
        await central.client.put("/v1/products/TEE", json=PRODUCT_BODY)
        await central.client.put("/v1/products/CAP", json=PRODUCT_BODY)
        await imported(central, "warehouse-stock",
                       f"node_id,sku,available,as_of\nDC1,TEE,40,{now_text()}\nDC2,TEE,30,{now_text()}\n")
        before = (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"]
        view = await imported(central, "safety-stock",
                              "sku,node_id,qty\nTEE,DC1,15\nTEE,,4\nNOPE,,1\nCAP,DC7,1\nTEE,DC2,1.5\n")
        assert view["rows_applied"] == 2
        assert [(r["row"], r["column"]) for r in view["refusals"]] == [(4, "sku"), (5, "node_id"), (6, "qty")]
        atp = (await central.client.get("/v1/atp/TEE")).json()
        assert (before, atp["network"]["atp"]) == (70, (40 - 15) + (30 - 4))
        assert {n["node_id"]: n["safety_stock"] for n in atp["nodes"]} == {"DC1": 15, "DC2": 4}


class TestTheImportBodyLimit:
    @pytest.fixture
    async def small_limits(self, tmp_path):
        from central.settings import CentralSettings

        settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN, max_body_bytes=2048,
                                   import_max_body_bytes=64 * 1024)
        async with running_central(settings, wait_ready=False, with_nats=False) as running:
            yield running

    async def test_a_file_above_the_api_limit_imports_while_other_routes_and_tokenless_callers_keep_it(
            self, small_limits):
        text = "sku,name,price,currency\n" + "".join(f"SKU-{n:05d},Tee number {n},1999,EUR\n" for n in range(200))
        assert 2048 < len(text) < 64 * 1024
        view = await imported(small_limits, "products", text)
        assert view["rows_applied"] == 200
        put = await small_limits.client.put("/v1/products/X", json={**PRODUCT_BODY, "name": "x" * 3000})
        tokenless = await small_limits.client.post("/v1/imports/products", content=text.encode(),
                                                   headers={**CSV, "Authorization": ""})
        too_big = await small_limits.client.post("/v1/imports/products", content=text.encode() * 20, headers=CSV)
        assert (put.status_code, tokenless.status_code, too_big.status_code) == (413, 413, 413)
        assert (tokenless.json()["max_bytes"], too_big.json()["max_bytes"]) == (2048, 64 * 1024)


class TestAtpAfterAnImport:
    async def test_a_warehouse_row_for_one_sku_leaves_the_allocations_of_its_other_skus_counted(self, central):
        from tests.integration.central.test_orders_api import feed, order

        for sku in ("TEE", "MUG"):
            await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10, "MUG": 10})
        assert (await central.client.post("/v1/orders", json=order({"MUG": 2}))).status_code == 201
        assert (await central.client.get("/v1/atp/MUG")).json()["network"]["atp"] == 8
        # TEE counted again after the order: the feed's 10 MUG were counted before it, so the 2 still count.
        await imported(central, "warehouse-stock", f"node_id,sku,available,as_of\nDC1,TEE,5,{now_text()}\n")
        assert (await central.client.get("/v1/atp/MUG")).json()["network"]["atp"] == 8
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 5

    async def test_a_skus_default_safety_stock_holds_for_nodes_without_their_own(self, central):
        from tests.integration.central.test_orders_api import feed

        await central.client.put("/v1/products/TEE", json=PRODUCT_BODY)
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10})
        await central.client.put("/v1/routing/policy", json={
            **(await central.client.get("/v1/routing/policy")).json(), "safety_stock_default": 1})
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 9
        with central.service.db.write() as conn:
            conn.execute("INSERT INTO sku_safety_stock (sku, qty) VALUES ('TEE', 3)")
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 7


class TestSafetyStockThroughTheApi:
    async def test_a_node_figure_beats_the_skus_default_which_beats_the_policys_and_atp_follows(self, central):
        from tests.integration.central.test_orders_api import feed

        await central.client.put("/v1/products/TEE", json=PRODUCT_BODY)
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10})
        await feed(central, "DC2", 53.48, -2.24, {"TEE": 10})

        async def atp() -> dict:
            return {n["node_id"]: n["atp"] for n in (await central.client.get("/v1/atp/TEE")).json()["nodes"]}

        assert await atp() == {"DC1": 10, "DC2": 10}
        default = await central.client.put("/v1/safety-stock/TEE", json={"qty": 3})
        assert default.status_code == 200 and default.json() == {"sku": "TEE", "default": 3, "policy_default": 0,
                                                                 "nodes": []}
        assert await atp() == {"DC1": 7, "DC2": 7}
        node = await central.client.put("/v1/safety-stock/TEE/nodes/DC1", json={"qty": 6})
        assert node.json()["nodes"] == [{"node_id": "DC1", "qty": 6}]
        assert await atp() == {"DC1": 4, "DC2": 7}
        await central.client.delete("/v1/safety-stock/TEE")
        assert await atp() == {"DC1": 4, "DC2": 10}
        cleared = await central.client.delete("/v1/safety-stock/TEE/nodes/DC1")
        assert cleared.json() == {"sku": "TEE", "default": None, "policy_default": 0, "nodes": []}
        assert await atp() == {"DC1": 10, "DC2": 10}

    async def test_an_unknown_sku_or_node_or_a_bad_quantity_is_refused_and_changes_nothing(self, central):
        await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})
        await central.client.put("/v1/products/TEE", json=PRODUCT_BODY)
        unknown_sku = await central.client.put("/v1/safety-stock/NOPE", json={"qty": 1})
        unknown_node = await central.client.put("/v1/safety-stock/TEE/nodes/DC9", json={"qty": 1})
        negative = await central.client.put("/v1/safety-stock/TEE/nodes/DC1", json={"qty": -1})
        text = await central.client.put("/v1/safety-stock/TEE", json={"qty": "2"})
        assert (unknown_sku.status_code, unknown_sku.json()["code"]) == (404, "unknown_sku")
        assert (unknown_node.status_code, negative.status_code, text.status_code) == (404, 422, 422)
        assert (await central.client.get("/v1/safety-stock/TEE")).json()["nodes"] == []
        assert central.query("SELECT COUNT(*) FROM sku_safety_stock")[0][0] == 0
