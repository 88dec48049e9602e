"""Nothing printed carries printer commands: control bytes typed into a product or customer name reach paper as
text at most, never as a cash-drawer kick, a paper cut or a ZPL command."""

import pytest

from edge.printing import documents, layouts, zpl
from edge.printing.escpos_render import render_escpos
from tests.unit.printing.samples import HEADER, label, sale_body

DRAWER_KICK = "\x1bp\x00\x19\xfa"  # ESC p m t1 t2: opens the cash drawer
CUT = "\x1dV\x00"  # GS V 0: full cut
HOSTILE = f"Mug{DRAWER_KICK}{CUT}\x1b@\x10\x14\x01\x7f\x9b end"


def _assign(name: str = "Kim") -> dict:
    return {"allocation_id": "AL-1", "order_id": "ORD-1", "type": "pickup", "customer": {"name": name},
            "lines": [{"sku": "MUG-01", "qty": 1}]}


def _jobs() -> dict[str, bytes]:
    body = sale_body()
    body["lines"][1]["name"] = HOSTILE
    assign = _assign(HOSTILE)
    names = {"MUG-01": HOSTILE}
    return {
        "receipt": render_escpos(layouts.sale_receipt(documents.sale_receipt(body, HEADER), 48)),
        "bag tag": render_escpos(layouts.bag_tag(documents.bag_tag(assign, HOSTILE, "2026-03-09T09:00:00Z"), 48)),
        "pick list": render_escpos(layouts.pick_list(documents.pick_list(assign, "2026-03-02T09:00:00Z", names), 48)),
    }


class TestEscpos:
    @pytest.mark.parametrize("kind", ["receipt", "bag tag", "pick list"])
    def test_no_drawer_kick_and_only_the_layouts_own_cut(self, kind):
        job = _jobs()[kind]
        assert b"\x1bp" not in job
        assert job.count(b"\x1dV") == 1 and job.endswith(b"\x1dV\x00")
        assert job.count(b"\x1b@") == 1  # the job's own init, nothing that resets the printer mid-job
        assert b"\x10\x14" not in job  # DLE DC4: real-time commands (another drawer pulse among them)

    def test_the_name_itself_still_prints(self):
        assert b"Mug" in _jobs()["receipt"] and b"end" in _jobs()["receipt"]


class TestZpl:
    def test_control_bytes_and_command_prefixes_in_an_address_never_reach_the_label_as_commands(self):
        shipping = label()
        shipping = type(shipping)(**{**shipping.__dict__, "ship_to": documents.Address(
            "Zoë ^XZ~JR\x1b\x00\r\nName", ("Rue^FS 3",), "Paris", "75001", "FR")})
        text = zpl.shipping_label(shipping)
        data = [line.split("^FD", 1)[1] for line in text.splitlines() if "^FD" in line]
        assert all("^" not in d.removesuffix("^FS") and "~" not in d for d in data)
        assert all(ord(ch) >= 0x20 for d in data for ch in d)
        assert text.count("^XZ") == 1
