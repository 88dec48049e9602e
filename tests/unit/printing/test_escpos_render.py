import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.printing import layouts
from edge.printing.commands import Barcode, Cut, QrCode, Text
from edge.printing.escpos_render import (
    RenderError,
    _escpos,
    fixed_page_bytes,
    render_escpos,
    text_style,
)
from tests.unit.printing.samples import receipt

INIT, CODEPAGE, BARCODE, QR, CUT = b"\x1b@", b"\x1bt", b"\x1dk", b"\x1d(k", b"\x1dV"


class TestEscposJob:
    def test_a_receipt_job_starts_with_init_and_holds_texts_barcode_and_cut(self):
        job = render_escpos(layouts.sale_receipt(receipt(), 48), "TM-T88V")
        assert job.startswith(INIT)
        assert b"TOTAL EUR" in job and b"Card ****4242" in job
        assert BARCODE + b"I" in job and b"{BS001-000042" in job  # Code 128, code set B
        assert job.endswith(CUT + b"\x00")  # GS V 0: full cut, last

    def test_a_qr_is_printed_natively(self):
        job = render_escpos([QrCode("v1.token"), Cut()], "TM-T20II")
        assert QR in job and b"v1.token" in job

    def test_non_ascii_goes_out_in_the_configured_code_page(self):
        job = render_escpos([Text("Grüße aus Köln, Straße")], "TM-T88V", "CP858")
        assert CODEPAGE + bytes([19]) in job  # page 19 of the TM-T88V is CP858
        assert "Grüße aus Köln, Straße".encode("cp858") in job

    def test_text_the_code_page_cannot_carry_switches_pages_instead_of_losing_it(self):
        job = render_escpos([Text("Łódź, Straße")], "TM-T88V", "CP858")
        assert CODEPAGE + bytes([18]) in job and "Łódź, Straße".encode("cp852") in job  # CP852 carries both

    def test_a_line_no_single_page_carries_is_printed_in_runs_of_pages(self):
        job = render_escpos([Text("Łódź 5 €")], "TM-T88V", "CP858")
        assert job.count(CODEPAGE) >= 2 and "Łódź".encode("cp852") in job and b"?" not in job

    def test_big_text_doubles_height_and_centred_text_is_aligned(self):
        job = render_escpos([Text("Store", align="center", big=True)], "TM-T20II")
        assert b"\x1b!\x10" in job and b"\x1ba\x01" in job

    def test_nothing_is_written_to_stdout(self, capsys):
        render_escpos([Barcode("S001-000001"), Cut()], "TM-T20II")
        assert capsys.readouterr().out == ""

    def test_an_unknown_printer_model_is_a_clear_error(self):
        with pytest.raises(RenderError, match="Unknown printer profile 'TM-NOPE'"):
            render_escpos([Text("x")], "TM-NOPE")


def test_loading_python_escpos_leaves_the_logging_set_up_to_the_agent():
    code = ("import logging; from edge.printing.escpos_render import render_escpos; from edge.printing.commands "
            "import Text; render_escpos([Text('x')]); assert logging.getLogger().handlers == [], "
            "logging.getLogger().handlers")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


PAGES = ["CP858", "CP437", "CP850", "CP852", "CP866", "CP1252", "CP1250", "ISO_8859-15", "CP737", "CP862"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(codec="utf-8"), max_size=60) | st.text(st.characters(max_codepoint=0x2FF)),
       page=st.sampled_from(PAGES))
def test_text_on_a_fixed_code_page_gets_the_bytes_python_escpos_gives_it(text, page):
    """Text on the code page chosen for a whole job is encoded through a table, not character by character in
    python-escpos: byte for byte what python-escpos itself writes, "?" for what the page lacks."""
    encoder = _escpos().printer.Dummy(profile="TM-T88V").magic.encoder
    assert fixed_page_bytes(text, encoder, page) == encoder.encode(text, page, "?")


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V", "default"])
def test_a_lines_style_is_what_python_escpos_sets_for_it_on_every_model(profile):
    for align in ("left", "center", "right"):
        for bold in (False, True):
            for big in (False, True):
                printer = _escpos().printer.Dummy(profile=profile)
                printer.set(align=align, bold=bold, normal_textsize=not big, double_height=big)
                assert text_style(align, bold, big) == printer.output
