"""What a printer's status answer means: the pure decisions behind "out of paper" and friends."""

import pytest

from edge.printing.printer_status import StatusUnknown, escpos_problem, zpl_problem

READY = 0x12  # bits 1 and 4 set: a status byte with nothing to report


def zpl(paper_out="0", paused="0", head_open="0", ribbon_out="0") -> bytes:
    return (f"\x02030,{paper_out},{paused},1245,000,0,0,0,000,0,0,0\x03\r\n"
            f"\x02001,0,{head_open},{ribbon_out},1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n").encode()


class TestEscposStatus:
    def test_a_ready_printer_has_no_problem(self):
        assert escpos_problem(READY, READY) is None

    def test_paper_near_its_end_still_prints(self):
        assert escpos_problem(READY, READY | 0x0C) is None

    @pytest.mark.parametrize("offline_cause, paper_sensor, says", [
        (READY, READY | 0x60, "out of paper"),
        (READY | 0x20, READY, "out of paper"),
        (READY | 0x04, READY, "cover open"),
        (READY | 0x40, READY, "paper jam or cutter"),
        (READY | 0x04, READY | 0x60, "out of paper"),  # the cause to fix first
    ])
    def test_a_printer_that_cannot_print_says_why(self, offline_cause, paper_sensor, says):
        assert says in escpos_problem(offline_cause, paper_sensor)

    @pytest.mark.parametrize("byte", [0x00, 0xFF, ord("A")])
    def test_bytes_that_are_not_a_status_answer_are_unknown(self, byte):
        with pytest.raises(StatusUnknown):
            escpos_problem(byte, READY)


class TestZplHostStatus:
    def test_a_ready_printer_has_no_problem(self):
        assert zpl_problem(zpl()) is None

    @pytest.mark.parametrize("flags, says", [
        ({"paper_out": "1"}, "out of labels"),
        ({"head_open": "1"}, "print head open"),
        ({"ribbon_out": "1"}, "ribbon out"),
        ({"paused": "1"}, "paused"),
    ])
    def test_a_printer_that_cannot_print_says_why(self, flags, says):
        assert says in zpl_problem(zpl(**flags))

    @pytest.mark.parametrize("answer", [b"", b"hello", b"\x02030\x03\r\n", b"\x02a,b\x03\x02c\x03\x02d\x03"])
    def test_an_answer_that_is_not_a_host_status_is_unknown(self, answer):
        with pytest.raises(StatusUnknown):
            zpl_problem(answer)
