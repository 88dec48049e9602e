import re

from edge.printing.zpl import escape, shipping_label
from tests.unit.printing.samples import label


def fields(zpl: str) -> dict[str, tuple[int, int]]:
    """Each `^FD` data with its `^FO` origin (the data as sent, escapes included)."""
    return {m.group(3): (int(m.group(1)), int(m.group(2)))
            for m in re.finditer(r"\^FO(\d+),(\d+)[^\n]*?\^FD(.*?)\^FS", zpl)}


class TestShippingLabel:
    def test_is_one_4x6_label_at_203_dpi_in_utf8(self):
        zpl = shipping_label(label())
        lines = zpl.splitlines()
        assert lines[0] == "^XA" and lines[-1] == "^XZ" and zpl.count("^XA") == 1
        assert "^PW812" in lines and "^LL1218" in lines and "^CI28" in lines

    def test_has_ship_from_ship_to_weight_order_and_tracking(self):
        found = fields(shipping_label(label()))
        assert "Königstraße 12" in found and "70173 Stuttgart" in found
        assert "Zoë Ångström" in found and "Rue de l'Église 3" in found and "75001 Paris" in found
        assert "Weight 1.25 kg" in found and "Order ORD-1001" in found and "DHL" in found
        assert found["Zoë Ångström"][1] > found["Königstraße 12"][1]  # ship-to below ship-from

    def test_tracking_number_is_a_code_128_barcode(self):
        zpl = shipping_label(label())
        assert re.search(r"\^BY[23]\^FO\d+,\d+\^BCN,220,Y,N,N,A\^FH_\^FDJJD0001234567890\^FS", zpl)

    def test_every_field_fits_the_label(self):
        for x, y in fields(shipping_label(label())).values():
            assert 0 <= x < 812 and 0 <= y < 1218

    def test_caret_tilde_and_underscore_in_data_cannot_start_a_command(self):
        found = fields(shipping_label(label()))
        assert "Müller & Söhne _5ES001_7E" in found and "Apt_5F4" in found
        assert escape("a^b~c_d") == "a_5Eb_7Ec_5Fd"
