"""ESC/POS bytes of a layout, built on python-escpos's `Dummy` printer so the whole job leaves in one write.

The profile (the printer model) tells python-escpos which commands and code pages the printer has. Text goes out
in one code page (CP858 unless configured) when it can carry every character; otherwise python-escpos switches
code pages per character run, and a character no page of the printer has prints as "?".
"""

import contextlib
import functools
import io
import logging
import os
import tempfile
from pathlib import Path

from edge.printing.commands import Barcode, Command, Cut, Feed, QrCode, Text, printable

DEFAULT_PROFILE = "TM-T20II"
DEFAULT_CODEPAGE = "CP858"
_CHARACTER_MAPS: dict[str, dict[str, int]] = {}  # per code page, its characters' bytes (python-escpos's own maps)


class RenderError(ValueError):
    """The printer profile or code page named in the configuration is unknown to python-escpos."""


def render_escpos(commands: list[Command], profile: str = DEFAULT_PROFILE, codepage: str = DEFAULT_CODEPAGE) -> bytes:
    """One printer job: init (`ESC @`), the commands in order, ending with whatever cut the layout asked for."""
    escpos = _escpos()
    try:
        printer = escpos.printer.Dummy(profile=profile)
    except Exception as e:  # python-escpos raises its own errors for an unknown model
        raise RenderError(f"Unknown printer profile {profile!r}; use a model python-escpos knows, e.g. "
                          f"'TM-T20II' or 'TM-T88V'.") from e
    # python-escpos maps a code page's characters to bytes once per printer object, and each job is a new one: the
    # maps (fixed per code page) are shared instead, a third of a receipt's rendering otherwise.
    printer.magic.encoder.available_characters = _CHARACTER_MAPS
    printer.hw("INIT")
    _choose_codepage(printer, commands, codepage)
    # python-escpos prints notes such as "Using hardware barcode renderer" to stdout; keep them off the terminal.
    with contextlib.redirect_stdout(io.StringIO()):
        for command in commands:
            _emit(printer, command)
    return printer.output


def known_profiles() -> list[str]:
    """The printer models python-escpos has capabilities for."""
    escpos = _escpos()
    return sorted(escpos.capabilities.CAPABILITIES["profiles"])


def _emit(printer, command: Command) -> None:
    # The one way text enters the printer: whatever a name or a code holds, no control byte goes out as data.
    match command:
        case Text(text=text, align=align, bold=bold, big=big):
            printer._raw(text_style(align, bold, big))
            _textln(printer, printable(text))
        case Barcode(data=data):
            _barcode(printer, printable(data))
            printer.set(align="left")
        case QrCode(data=data, size=size):
            # Native QR cannot be centred by python-escpos, so centre it with the alignment command first.
            printer.set(align="center")
            printer.qr(printable(data), size=size, native=True)
            printer.ln()
            printer.set(align="left")
        case Feed(lines=count):
            printer.ln(count)
        case Cut():
            printer.cut()


@functools.cache
def text_style(align: str, bold: bool, big: bool) -> bytes:
    """The bytes python-escpos's `set(align=, bold=, normal_textsize=, double_height=)` writes: the same for every
    line of that style and every printer model, so made once instead of before every line."""
    scratch = _escpos().printer.Dummy(profile=DEFAULT_PROFILE)
    scratch.set(align=align, bold=bold, normal_textsize=not big, double_height=big)
    return scratch.output


def _textln(printer, text: str) -> None:
    """`printer.textln(text)`, with the same bytes: on a code page chosen for the whole job python-escpos looks up
    each character in Python, most of a receipt's rendering; a translation table does it in one call."""
    magic = printer.magic
    if not magic.disabled or magic.encoding is None:  # AUTO: python-escpos switches pages per run of characters
        printer.textln(text)
        return
    printer._raw(fixed_page_bytes(f"{text}\n", magic.encoder, magic.encoding))


def fixed_page_bytes(text: str, encoder, encoding: str) -> bytes:
    """What python-escpos's `encoder.encode(text, encoding)` gives: ASCII as it is, a character of the code page as
    its byte there, anything else as "?"."""
    table = _TABLES.get(encoding)
    if table is None:
        table = {code: "?" for code in range(128, 256)}
        table.update({ord(char): chr(byte) for char, byte in encoder._get_codepage_char_map(encoding).items()
                      if ord(char) >= 128})
        _TABLES[encoding] = table
    return text.translate(table).encode("latin-1", "replace")  # what is left above 255 was not on the page: "?"


_TABLES: dict[str, dict[int, str]] = {}  # per code page, `str.translate`'s table to its bytes as latin-1 characters


def _barcode(printer, data: str) -> None:
    escpos = _escpos()
    try:
        # Code set B ("{B") carries letters, digits and punctuation: what receipt and order numbers are made of.
        printer.barcode("{B" + data, "CODE128", function_type="B", height=60, width=2)
    except (escpos.exceptions.Error, ValueError):
        printer.set(align="center")
        _textln(printer, data)  # a printer that has no Code 128 still shows the number


def _choose_codepage(printer, commands: list[Command], codepage: str) -> None:
    texts = printable("".join(command.text for command in commands if isinstance(command, Text)))
    try:
        texts.encode(_python_codec(codepage))
        printer.charcode(codepage)
    except (LookupError, UnicodeEncodeError, KeyError, _escpos().exceptions.Error):
        printer.charcode("AUTO")  # the fallback: python-escpos picks a page per run of characters


def _python_codec(codepage: str) -> str:
    return codepage.lower().replace("_", "-")


@functools.cache
def _escpos():
    """python-escpos, imported once: its import writes a capabilities cache, kept in one known directory. The agent
    loads it as it starts (`load_escpos`); imported by the first sale instead, it held that sale's transaction, and
    every other counter's sale, for as long as the import took (about a second on a busy machine)."""
    cache = Path(tempfile.gettempdir()) / "omnistore-escpos-cache"
    cache.mkdir(exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
    root = logging.getLogger()
    handlers = list(root.handlers)
    import escpos.capabilities
    import escpos.exceptions
    import escpos.printer

    # Its first import calls logging.basicConfig(), which would make the agent's own logging set-up a no-op.
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    return escpos


def load_escpos() -> None:
    """Import python-escpos now (at start, off the event loop) rather than in the first sale's transaction."""
    _escpos()
