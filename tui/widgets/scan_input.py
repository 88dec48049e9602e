"""The field a barcode scanner types into (a person too): Enter posts what was scanned, cleaned of scanner noise."""

import re

from textual import events
from textual.message import Message
from textual.widgets import Input

_QTY_PREFIX = re.compile(r"^(\d{1,4})\s*[*xX]\s*(.+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_scan(text: str) -> tuple[int, str]:
    """`4006381333931` → (1, code); `3*TEE-ORG-M` → (3, code). Scanner control characters are dropped."""
    text = _CONTROL.sub("", text).strip()
    match = _QTY_PREFIX.match(text)
    if match:
        return int(match.group(1)), match.group(2).strip()
    return 1, text


class ScanInput(Input):
    """Posts `ScanInput.Scanned(qty, code)` on Enter instead of `Input.Submitted`.

    With `clear=True` the field empties at once, ready for the next scan; a search field keeps its text
    (`clear=False`) so the associate sees what was looked up, selected, so the next scan replaces it. An empty Enter
    posts an empty code: a screen may read it as "show the latest".

    Enter is handled here, in the field's own queue of keys, right after the characters typed before it. Left to
    Input's `enter` binding it would be handled only once the key had bubbled up to the app, and a scanner's next
    characters, already in this queue, would join the code just scanned and go with it.
    """

    class Scanned(Message):
        def __init__(self, scan_input: "ScanInput", qty: int, code: str):
            super().__init__()
            self.scan_input, self.qty, self.code = scan_input, qty, code

        @property
        def control(self) -> "ScanInput":
            return self.scan_input

    def __init__(self, *, clear: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.clear_on_scan = clear

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.take_scan()

    async def action_submit(self) -> None:
        self.take_scan()

    def take_scan(self) -> None:
        """Post what was scanned and empty (or select) the field, at once: no key can come in between."""
        qty, code = parse_scan(self.value)
        if self.clear_on_scan:
            self.value = ""
        else:
            self.select_all()
        self.post_message(self.Scanned(self, qty, code))
