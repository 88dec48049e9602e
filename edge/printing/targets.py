"""Where a printer's bytes go: a target string parsed into a value, and `send` to deliver one job there.

`network:HOST:PORT` (raw TCP, port 9100 if left out), `usb:VID:PID` (hex), `serial:DEV`, `file:PATH` (appends, e.g.
/dev/usb/lp0), `preview:DIR` (writes `<id>-<kind>.bin` and a readable `<id>-<kind>.txt`, for demos and tests).
"""

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from edge.printing.printer_status import StatusProtocol, StatusUnknown, ask

DEFAULT_PORT = 9100
FORMS = "network:HOST:PORT, usb:VID:PID, serial:DEV, file:PATH or preview:DIR"


class BadTarget(ValueError):
    """A printer target string that does not name a way to reach a printer."""


class PrinterUnavailable(OSError):
    """The printer could not take the job now (off, unplugged, refused, timed out); the spool retries it."""


@dataclass(frozen=True)
class NetworkTarget:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"network:{host}:{self.port}"


@dataclass(frozen=True)
class UsbTarget:
    vendor_id: int
    product_id: int

    def __str__(self) -> str:
        return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True)
class SerialTarget:
    device: str

    def __str__(self) -> str:
        return f"serial:{self.device}"


@dataclass(frozen=True)
class FileTarget:
    path: Path

    def __str__(self) -> str:
        return f"file:{self.path}"


@dataclass(frozen=True)
class PreviewTarget:
    directory: Path

    def __str__(self) -> str:
        return f"preview:{self.directory}"


Target = NetworkTarget | UsbTarget | SerialTarget | FileTarget | PreviewTarget


@dataclass(frozen=True)
class Job:
    """One job as the spool hands it over: the bytes to send and, for previews, the text a person reads."""

    id: str
    kind: str
    payload: bytes
    text: str = ""


def parse_target(text: str) -> Target:
    """The target a configuration string names; `BadTarget` saying what is wrong and what is accepted."""
    scheme, sep, rest = text.strip().partition(":")
    scheme = scheme.lower()
    if not sep or not rest:
        raise BadTarget(f"Printer target {text!r} has no kind and place; write it as {FORMS}.")
    if scheme == "network":
        return _network(text, rest)
    if scheme == "usb":
        ids = rest.split(":")
        try:
            if len(ids) != 2:
                raise ValueError
            vendor, product = (int(part.removeprefix("0x"), 16) for part in ids)
        except ValueError:
            raise BadTarget(f"Printer target {text!r}: a USB printer is usb:VID:PID with the vendor and product ids "
                            "in hex, e.g. usb:04b8:0202 (see lsusb).") from None
        return UsbTarget(vendor, product)
    if scheme == "serial":
        return SerialTarget(rest)
    if scheme == "file":
        return FileTarget(Path(rest))
    if scheme == "preview":
        return PreviewTarget(Path(rest))
    raise BadTarget(f"Printer target {text!r} is of unknown kind {scheme!r}; write it as {FORMS}.")


def _network(text: str, rest: str) -> NetworkTarget:
    if rest.startswith("["):  # an IPv6 address: network:[::1]:9100
        host, _, port_text = rest[1:].partition("]")
        port_text = port_text.removeprefix(":")
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    else:
        host, port_text = rest, ""
    if not host:
        raise BadTarget(f"Printer target {text!r} has no host; write it as network:HOST:PORT, e.g. "
                        "network:192.168.1.50:9100.")
    if not port_text:
        return NetworkTarget(host)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BadTarget(f"Printer target {text!r} has port {port_text!r}; a port is a number from 1 to 65535 "
                        "(printers usually listen on 9100).")
    return NetworkTarget(host, int(port_text))


def send(target: Target, job: Job, timeout: float = 5.0, status: StatusProtocol | None = None,
         status_wait: float = 1.0) -> bool | None:
    """Deliver the whole job or raise `PrinterUnavailable`; blocking, so the spool calls it in a thread.

    With `status`, a network printer is first asked whether it can print (paper, cover, head): a problem raises
    `PrinterUnavailable` and nothing is sent. Returns whether the printer answered that question (None: not asked).
    """
    answered = None
    try:
        match target:
            case NetworkTarget(host=host, port=port):
                with socket.create_connection((host, port), timeout=timeout) as connection:
                    if status is not None:
                        answered = _can_print(target, connection, status, status_wait)
                    connection.sendall(job.payload)
                    connection.shutdown(socket.SHUT_WR)  # tell the printer the job is complete
            case FileTarget(path=path):
                with open(path, "ab") as device:
                    device.write(job.payload)
            case PreviewTarget(directory=directory):
                _preview(directory, job)
            case UsbTarget() | SerialTarget():
                _through_escpos(target, job.payload, timeout)
    except PrinterUnavailable:
        raise
    except OSError as e:
        raise PrinterUnavailable(f"{target}: {e.strerror or e}") from e
    return answered


def _can_print(target: NetworkTarget, connection: socket.socket, status: StatusProtocol, wait: float) -> bool:
    try:
        problem = ask(connection, status, wait)
    except StatusUnknown:
        return False
    if problem is not None:
        raise PrinterUnavailable(f"{target}: {problem}")
    return True


def preview_paths(directory: Path, job: Job) -> tuple[Path, Path]:
    stem = f"{job.id}-{job.kind}"
    return directory / f"{stem}.bin", directory / f"{stem}.txt"


def _preview(directory: Path, job: Job) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    raw, text = preview_paths(directory, job)
    _write_whole(raw, job.payload)
    _write_whole(text, job.text.encode("utf-8"))


def _write_whole(path: Path, data: bytes) -> None:
    """Written under another name, then renamed: whoever watches the folder never reads half a document."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _through_escpos(target: UsbTarget | SerialTarget, payload: bytes, timeout: float) -> None:
    """USB and serial printers through python-escpos's device classes (needs pyusb / pyserial installed)."""
    from edge.printing.escpos_render import _escpos

    escpos = _escpos()
    device_class = escpos.printer.Usb if isinstance(target, UsbTarget) else escpos.printer.Serial
    if not device_class.is_usable():
        library = "pyusb" if isinstance(target, UsbTarget) else "pyserial"
        raise PrinterUnavailable(f"{target}: python-escpos needs {library} installed to reach this printer.")
    try:
        if isinstance(target, UsbTarget):
            printer = escpos.printer.Usb(target.vendor_id, target.product_id, timeout=int(timeout * 1000))
        else:
            printer = escpos.printer.Serial(target.device, timeout=timeout)
        printer.open()
        try:
            printer._raw(payload)  # the job is already ESC/POS: send it as it is
        finally:
            printer.close()
    except OSError:
        raise
    except Exception as e:  # device not found, missing pyusb/pyserial, USB errors: all mean "not now"
        raise PrinterUnavailable(f"{target}: {e}") from e
