"""The printable commands a layout produces, the text helpers layouts share, and a readable rendering.

Layouts return a list of these values; `escpos_render` turns them into printer bytes and `as_text` into the
`.txt` a person reads in a preview directory. Nothing here does I/O.
"""

import textwrap
from dataclasses import dataclass

from edge.domain.money import money  # noqa: F401 (the layouts format money through here)

# Control characters (C0, DEL, C1) are printer commands to ESC/POS and ZPL printers: a name holding ESC p would
# open the cash drawer, GS V cut the paper. Line breaks and tabs become a space; every other one is dropped.
_SPACES = {code: " " for code in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x2028, 0x2029)}
_NOT_PRINTABLE = {code: None for code in (*range(0x20), *range(0x7F, 0xA0))} | _SPACES


def printable(text: str) -> str:
    """`text` with no control character left in it: what every printer adapter sends as data."""
    return text.translate(_NOT_PRINTABLE)


@dataclass(frozen=True)
class Text:
    """One printed line; `big` doubles its height (never its width, so the column count holds)."""

    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    big: bool = False


@dataclass(frozen=True)
class Barcode:
    """A Code 128 barcode of `data` (ASCII), its digits printed below it."""

    data: str


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int = 6  # module size in dots, 1-16


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Command = Text | Barcode | QrCode | Feed | Cut


def rate(rate_bp: int) -> str:
    """Basis points as a percentage: 1900 → "19%", 550 → "5.5%"."""
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """Words wrapped to the column count; a word longer than a line is broken, never cut off."""
    if len(text) <= columns and text.isprintable() and text.strip() and not text.endswith(" "):
        return [text]  # what textwrap answers for a line that fits, without its work (a receipt has dozens)
    lines = textwrap.wrap(text, width=columns, subsequent_indent=indent, break_long_words=True,
                          break_on_hyphens=False)
    return lines or [""]


def two_columns(left: str, right: str, columns: int) -> list[str]:
    """`left` and `right` on one line, right-aligned; the left side wraps when both do not fit."""
    room = columns - len(right) - 1
    if room < 1:
        return [*wrap(left, columns), right.rjust(columns)]
    lefts = wrap(left, room)
    *first, last = lefts
    return [*first, last.ljust(room) + " " + right]


def rule(columns: int, char: str = "-") -> Text:
    return Text(char * columns)


def lines(texts: list[str], **style) -> list[Text]:
    return [Text(text, **style) for text in texts]


def as_text(commands: list[Command], columns: int) -> str:
    """A readable rendering of a job: texts aligned as printed, codes and the cut as bracketed notes."""
    out: list[str] = []
    for command in commands:
        match command:
            case Text(text=text, align="center"):
                out.append(text.center(columns).rstrip())
            case Text(text=text, align="right"):
                out.append(text.rjust(columns))
            case Text(text=text):
                out.append(text)
            case Barcode(data=data):
                out.append(f"[barcode Code 128: {data}]".center(columns).rstrip())
            case QrCode(data=data):
                out.append(f"[QR: {data}]".center(columns).rstrip())
            case Feed(lines=count):
                out.extend([""] * count)
            case Cut():
                out.append(("- " * columns)[: columns - 1] + "✂")
    return "\n".join(out) + "\n"
