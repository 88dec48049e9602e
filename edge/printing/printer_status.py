"""Asking a network printer whether it can print now: out of paper, cover or head open, paused.

A network printer takes the bytes of a job even when it has no paper, so without asking first the spool would
count a receipt as printed that never came out. Before each job the spool asks over the same connection: ESC/POS
real-time status (DLE EOT 2 offline cause, DLE EOT 4 paper sensor) or ZPL host status (~HS). A printer that does not
answer within a short wait is printed to anyway: many models and clones ignore status queries.

The decisions (`escpos_problem`, `zpl_problem`) are pure functions of the bytes that came back.
"""

import socket
from typing import Literal

StatusProtocol = Literal["escpos", "zpl"]

ESCPOS_QUERY = b"\x10\x04\x02\x10\x04\x04"  # DLE EOT 2 (offline cause), DLE EOT 4 (roll paper sensor)
ZPL_QUERY = b"~HS"
ZPL_STRINGS = 3  # ~HS answers three strings, each STX … ETX CR LF


class StatusUnknown(Exception):
    """The printer gave no (readable) answer: print anyway."""


def escpos_problem(offline_cause: int, paper_sensor: int) -> str | None:
    """Why an ESC/POS printer cannot print now, from its DLE EOT 2 and DLE EOT 4 status bytes (None = it can)."""
    for byte in (offline_cause, paper_sensor):
        if byte & 0x93 != 0x12:  # bits 1 and 4 are always 1, bits 0 and 7 always 0 in a status byte
            raise StatusUnknown(f"not an ESC/POS status byte: {byte:#04x}")
    if paper_sensor & 0x60 or offline_cause & 0x20:
        return "out of paper: load a new roll and the waiting receipts print by themselves"
    if offline_cause & 0x04:
        return "cover open: close it and the waiting receipts print by themselves"
    if offline_cause & 0x40:
        return "printer error (paper jam or cutter): clear it, then switch the printer off and on"
    return None


def zpl_problem(answer: bytes) -> str | None:
    """Why a ZPL label printer cannot print now, from its ~HS host status (None = it can)."""
    strings = [part.split(b"\x03", 1)[0] for part in answer.split(b"\x02")[1:]]
    if len(strings) < 2:
        raise StatusUnknown(f"not a ZPL host status: {answer[:40]!r}")
    first, second = (s.decode("ascii", "replace").split(",") for s in strings[:2])
    if len(first) < 3 or len(second) < 4:
        raise StatusUnknown(f"not a ZPL host status: {answer[:40]!r}")
    if first[1].strip() == "1":
        return "out of labels: load labels and the waiting labels print by themselves"
    if second[2].strip() == "1":
        return "print head open: close it and the waiting labels print by themselves"
    if second[3].strip() == "1":
        return "ribbon out: load a ribbon and the waiting labels print by themselves"
    if first[2].strip() == "1":
        return "paused: press the pause button and the waiting labels print by themselves"
    return None


def ask(connection: socket.socket, protocol: StatusProtocol, wait: float) -> str | None:
    """The printer's problem, None when it can print; `StatusUnknown` when it does not answer within `wait` s."""
    query, complete = (ESCPOS_QUERY, _two_bytes) if protocol == "escpos" else (ZPL_QUERY, _three_strings)
    previous = connection.gettimeout()
    connection.settimeout(wait)
    answer = b""
    try:
        connection.sendall(query)
        while not complete(answer):
            chunk = connection.recv(256)
            if not chunk:
                raise StatusUnknown("the printer closed the connection instead of answering")
            answer += chunk
    except TimeoutError:
        raise StatusUnknown("no answer to the status query") from None
    finally:
        connection.settimeout(previous)
    return escpos_problem(answer[0], answer[1]) if protocol == "escpos" else zpl_problem(answer)


def _two_bytes(answer: bytes) -> bool:
    return len(answer) >= 2


def _three_strings(answer: bytes) -> bool:
    return answer.count(b"\x03") >= ZPL_STRINGS
