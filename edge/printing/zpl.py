"""A 4×6 inch shipping label in ZPL for 203 dpi label printers (812 × 1218 dots), and its readable text.

ZPL is plain text: each field is `^FO x,y` (origin), a font or barcode command, `^FD data ^FS`. Data goes through
`^FH_` so `^`, `~` and `_` in names and addresses are sent as hex escapes and cannot start a command; `^CI28`
makes the printer read the data as UTF-8.
"""


from edge.printing.commands import printable
from edge.printing.documents import ShippingLabel, TestPage, address_lines

DOTS_WIDE = 812  # 4 in × 203 dpi
DOTS_LONG = 1218  # 6 in × 203 dpi
MARGIN = 30
INNER = DOTS_WIDE - 2 * MARGIN


def escape(data: str) -> str:
    """Field data safe inside `^FH_^FD … ^FS`: no control bytes, then the escape character first, then the two
    command prefixes. Every field's data goes through here."""
    return printable(data).replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def field(x: int, y: int, data: str, height: int) -> str:
    """One line of text in the scalable font at (x, y), `height` dots tall."""
    return f"^FO{x},{y}^A0N,{height},{height}^FH_^FD{escape(data)}^FS"


def weight(grams: int) -> str:
    return f"{grams / 1000:.2f} kg"


def shipping_label(label: ShippingLabel) -> str:
    """The whole label, one command per line, from `^XA` to `^XZ`."""
    out = ["^XA", "^CI28", f"^PW{DOTS_WIDE}", f"^LL{DOTS_LONG}", "^LH0,0"]
    y = MARGIN
    out.append(field(MARGIN, y, "FROM", 22))
    y += 28
    for text in address_lines(label.ship_from, 52):
        out.append(field(MARGIN, y, text, 24))
        y += 28
    out.append(_bar(max(y + 10, 200)))
    y = max(y + 30, 220)
    out.append(field(MARGIN, y, "SHIP TO", 26))
    y += 36
    to_lines = address_lines(label.ship_to, 30)
    height = 44 if len(to_lines) <= 6 else 34  # a long address still leaves room for the barcode
    for text in to_lines:
        out.append(field(MARGIN + 20, y, text, height))
        y += height + 6
    y = max(y + 10, 560)
    out.append(_bar(y))
    y += 25
    out.append(field(MARGIN, y, label.carrier.upper(), 40))
    out.append(field(DOTS_WIDE - MARGIN - 260, y, f"Weight {weight(label.weight_g)}", 30))
    y += 55
    out.append(field(MARGIN, y, f"Order {label.order_number}", 32))
    y += 50
    out.append(_bar(y))
    y += 40
    module = 3 if _code128_width(label.tracking_number, 3) <= INNER else 2
    x = MARGIN + max(0, (INNER - _code128_width(label.tracking_number, module)) // 2)
    # ^BC: normal orientation, 220 dots tall, human-readable line below, automatic subset selection (mode A).
    out.append(f"^BY{module}^FO{x},{y}^BCN,220,Y,N,N,A^FH_^FD{escape(label.tracking_number)}^FS")
    y += 300
    out.append(field(MARGIN, y, f"Tracking {label.tracking_number}", 28))
    out.append("^PQ1")
    out.append("^XZ")
    return "\n".join(out) + "\n"


def label_text(label: ShippingLabel) -> str:
    """What the label says, for a person reading a preview directory."""
    out = ["FROM", *("  " + t for t in address_lines(label.ship_from, 60)), "SHIP TO",
           *("  " + t for t in address_lines(label.ship_to, 60)),
           f"Carrier {label.carrier}   Weight {weight(label.weight_g)}", f"Order {label.order_number}",
           f"[barcode Code 128: {label.tracking_number}]", f"Tracking {label.tracking_number}"]
    return "\n".join(out) + "\n"


def _bar(y: int) -> str:
    return f"^FO{MARGIN},{y}^GB{INNER},3,3^FS"


def _code128_width(data: str, module: int) -> int:
    """Dots a Code 128 of `data` takes: 11 modules a symbol (start, data, check) and 13 for the stop."""
    return (11 * (len(data) + 2) + 13) * module


def test_label(page: TestPage) -> str:
    """A label that shows the printer's name, the frame of a 4×6 label and a barcode."""
    return "\n".join([
        "^XA", "^CI28", f"^PW{DOTS_WIDE}", f"^LL{DOTS_LONG}", "^LH0,0",
        f"^FO{MARGIN},{MARGIN}^GB{INNER},{DOTS_LONG - 2 * MARGIN},4^FS",
        field(MARGIN + 30, 80, "TEST LABEL", 60), field(MARGIN + 30, 170, page.printer, 40),
        field(MARGIN + 30, 230, page.printed_at, 30), field(MARGIN + 30, 280, page.sample, 30),
        f"^BY3^FO{MARGIN + 30},360^BCN,200,Y,N,N,A^FDTEST-0123^FS", "^XZ"]) + "\n"
