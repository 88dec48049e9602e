"""Printer configuration (one entry per printer at a counter) and the printers' state for the store's status."""

import sqlite3
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from edge.printing.documents import TestPage
from edge.printing.escpos_render import (
    DEFAULT_CODEPAGE,
    DEFAULT_PROFILE,
    known_profiles,
)
from edge.printing.layouts import columns_for_width
from edge.printing.printer_status import StatusProtocol
from edge.printing.spool import health
from edge.printing.targets import NetworkTarget, Target, parse_target
from shared.runtime.clock import to_text


class PrinterConfig(BaseModel):
    """One printer: where it is, what it prints, and how wide its paper is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Name jobs are queued under, e.g. 'counter-1' or 'labels'.")
    target: str = Field(description="Where the bytes go: network:HOST:PORT, usb:VID:PID, serial:DEV, file:PATH or "
                                    "preview:DIR (writes each job as .bin and a readable .txt).")
    kind: Literal["receipt", "label"] = Field(
        default="receipt", description="receipt: ESC/POS (receipts, tags, pick lists); label: ZPL 4x6 labels.")
    width: Literal[58, 80] = Field(default=80, description="Paper width in mm of a receipt printer (58 or 80).")
    profile: str = Field(default=DEFAULT_PROFILE,
                         description="python-escpos printer model, e.g. TM-T20II or TM-T88V; decides the commands "
                                     "and code pages used.")
    codepage: str = Field(default=DEFAULT_CODEPAGE,
                          description="Code page for text (CP858, CP1252, …); text it cannot carry switches pages "
                                      "automatically.")
    columns: int | None = Field(default=None, ge=16, le=80,
                                description="Characters per line; by default 32 on 58 mm and 48 on 80 mm paper "
                                            "(some models, e.g. TM-T88V, print 42).")

    status_check: bool = Field(default=True,
                               description="Ask a network printer before each job whether it can print (paper, "
                                           "cover, print head) and keep the job queued while it cannot; a printer "
                                           "that does not answer is printed to without asking.")

    @field_validator("target")
    @classmethod
    def _target_parses(cls, value: str) -> str:
        parse_target(value)  # BadTarget is a ValueError: pydantic reports it against this field
        return value

    @field_validator("profile")
    @classmethod
    def _profile_known(cls, value: str) -> str:
        if value not in known_profiles():
            raise ValueError(f"Unknown printer profile {value!r}; python-escpos knows e.g. TM-T20II, TM-T88V, "
                             "TM-T88IV, TM-U220 and 'default'.")
        return value

    @property
    def parsed_target(self) -> Target:
        return parse_target(self.target)

    @property
    def status_protocol(self) -> StatusProtocol | None:
        """How to ask this printer whether it can print; None when it is not asked (off, or not on the network)."""
        if not self.status_check or not isinstance(self.parsed_target, NetworkTarget):
            return None
        return "escpos" if self.kind == "receipt" else "zpl"

    @property
    def line_columns(self) -> int:
        return self.columns or columns_for_width(self.width)


def test_page(printer: PrinterConfig, now: datetime) -> TestPage:
    """The page `omnistore edge printers` prints to show a printer works."""
    return TestPage(printer=printer.name, target=printer.target, profile=printer.profile,
                    columns=printer.line_columns, printed_at=to_text(now))


test_page.__test__ = False  # a document builder, not a test


def printer_states(conn: sqlite3.Connection, printers: list[PrinterConfig]) -> list[dict]:
    """Each configured printer with its spool state (ok / failing since, queued count, last error), then any
    printer that still has jobs but is no longer configured."""
    by_name = {h.printer: h for h in health(conn, [p.name for p in printers])}
    out = []
    for printer in printers:
        state = by_name.pop(printer.name)
        out.append({"name": printer.name, "target": printer.target, "kind": printer.kind, "width": printer.width,
                    "profile": printer.profile, **state.as_dict()})
    for state in by_name.values():
        out.append({"name": state.printer, "target": None, "kind": None, "width": None, "profile": None,
                    **state.as_dict()})
    return out


def choose_printer(printers: list[PrinterConfig], kind: Literal["receipt", "label"]) -> PrinterConfig | None:
    """The first printer of a kind (a counter's receipt printer, its label printer), None when it has none."""
    return next((printer for printer in printers if printer.kind == kind), None)
