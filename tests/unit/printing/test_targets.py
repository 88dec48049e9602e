from pathlib import Path

import pytest

from edge.printing.targets import (
    BadTarget,
    FileTarget,
    Job,
    NetworkTarget,
    PreviewTarget,
    PrinterUnavailable,
    SerialTarget,
    UsbTarget,
    parse_target,
    send,
)


class TestParsingTargets:
    @pytest.mark.parametrize("text, target", [
        ("network:192.168.1.50:9100", NetworkTarget("192.168.1.50", 9100)),
        ("network:printer.local", NetworkTarget("printer.local", 9100)),
        ("network:[::1]:9101", NetworkTarget("::1", 9101)),
        ("usb:04b8:0202", UsbTarget(0x04B8, 0x0202)),
        ("usb:0x04b8:0x0e15", UsbTarget(0x04B8, 0x0E15)),
        ("serial:/dev/ttyS0", SerialTarget("/dev/ttyS0")),
        ("file:/dev/usb/lp0", FileTarget(Path("/dev/usb/lp0"))),
        ("preview:/var/lib/omnistore/prints/S001", PreviewTarget(Path("/var/lib/omnistore/prints/S001"))),
    ])
    def test_reads_every_kind_of_target(self, text, target):
        assert parse_target(text) == target
        assert parse_target(str(target)) == target

    @pytest.mark.parametrize("text, says", [
        ("", "has no kind and place"),
        ("192.168.1.50:9100", "unknown kind '192.168.1.50'"),
        ("bluetooth:AA:BB", "unknown kind 'bluetooth'"),
        ("network:", "has no kind and place"),
        ("network::9100", "has no host"),
        ("network:host:ninety", "port 'ninety'"),
        ("network:host:70000", "port '70000'"),
        ("usb:04b8", "usb:VID:PID"),
        ("usb:epson:tm", "in hex"),
    ])
    def test_a_bad_target_says_what_is_wrong_and_what_is_accepted(self, text, says):
        with pytest.raises(BadTarget, match=says) as error:
            parse_target(text)
        assert "e.g." in str(error.value) or "network:HOST:PORT" in str(error.value) or "9100" in str(error.value)


class TestSendingToFilesAndPreviews:
    def test_a_file_target_appends_each_job(self, tmp_path):
        device = tmp_path / "lp0"
        send(FileTarget(device), Job("1", "receipt", b"first"))
        send(FileTarget(device), Job("2", "receipt", b"second"))
        assert device.read_bytes() == b"firstsecond"

    def test_a_preview_writes_the_raw_job_and_a_readable_text(self, tmp_path):
        send(PreviewTarget(tmp_path / "prints"), Job("0190-abc", "receipt", b"\x1b@Gr\x81\xe1e", "Grüße\n"))
        assert (tmp_path / "prints" / "0190-abc-receipt.bin").read_bytes() == b"\x1b@Gr\x81\xe1e"
        assert (tmp_path / "prints" / "0190-abc-receipt.txt").read_text(encoding="utf-8") == "Grüße\n"

    def test_a_missing_device_is_a_printer_that_is_unavailable(self, tmp_path):
        with pytest.raises(PrinterUnavailable, match="file:"):
            send(FileTarget(tmp_path / "no-such-dir" / "lp0"), Job("1", "receipt", b"x"))

    def test_an_absent_usb_printer_is_unavailable_not_a_crash(self):
        with pytest.raises(PrinterUnavailable, match="usb:04b8:0202"):
            send(UsbTarget(0x04B8, 0x0202), Job("1", "receipt", b"x"), timeout=0.5)
