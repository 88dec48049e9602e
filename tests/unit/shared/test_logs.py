"""JSON log lines and request ids, record by record (the processes themselves: tests/integration/test_json_logs.py)."""

import json
import logging
import sys

import pytest
from pydantic import ValidationError

from central.settings import CentralSettings
from edge.settings import EdgeSettings
from shared.runtime.logs import REQUEST_ID, JsonLines, RequestIdFilter
from shared.web.request_ids import request_id_of


def line_of(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    text = JsonLines().format(record)
    assert "\n" not in text
    return json.loads(text)


def record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("central.sync.ingest", logging.ERROR, __file__, 1, message, args, exc_info)


def test_a_line_has_the_time_level_logger_and_message_and_no_request_id_outside_a_request():
    line = line_of(record("store %s: %d events", "S001", 3))
    assert line["message"] == "store S001: 3 events"
    assert (line["level"], line["logger"]) == ("error", "central.sync.ingest")
    assert line["time"].endswith("+00:00") and "request_id" not in line and "exception" not in line


def test_inside_a_request_the_line_carries_its_id():
    token = REQUEST_ID.set("till-1-0007")
    try:
        assert line_of(record("sale recorded"))["request_id"] == "till-1-0007"
    finally:
        REQUEST_ID.reset(token)


def test_an_exception_comes_with_its_traceback_and_a_multiline_message_stays_on_one_line():
    try:
        raise ValueError("bad level")
    except ValueError:
        line = line_of(record("first\nsecond", exc_info=sys.exc_info()))
    assert line["message"] == "first\nsecond"
    assert "Traceback" in line["exception"] and "ValueError: bad level" in line["exception"]


@pytest.mark.parametrize("given", ["abc-123", "hq.7f3a:call/1", "x" * 128])
def test_a_sensible_caller_id_is_kept(given):
    assert request_id_of([(b"x-request-id", given.encode())]) == given


@pytest.mark.parametrize("given", [b"", b"x" * 129, b"two words", b"line\nbreak", b"caf\xc3\xa9", b"tab\there"])
def test_an_id_too_long_or_not_printable_is_replaced(given):
    made = request_id_of([(b"X-Request-ID", given)])
    assert made != given.decode(errors="replace") and len(made) == 36


def test_the_log_format_is_a_setting_of_both_parts_as_well_as_a_flag(tmp_path, monkeypatch):
    toml = tmp_path / "central.toml"
    toml.write_text('log_format = "json"\nadmin_token = "settings-admin-5e2d8c1b"\n')
    assert CentralSettings.load(toml).log_format == "json"
    monkeypatch.setenv("OMNISTORE_EDGE_LOG_FORMAT", "json")
    assert EdgeSettings(store_id="S001").log_format == "json"
    with pytest.raises(ValidationError, match="log_format"):
        EdgeSettings(store_id="S001", log_format="xml")
