"""Forms the keyboard way, for a scanner and a fast typist alike: Enter moves to the next field and submits on the
last one, and keys typed after that Enter land in the field they are meant for.

The app hands keys to a field's own queue as they come, so an Enter in the associate id is handled there after the
id's characters but only after the PIN's digits have reached the same queue too. So while the focused field of an
`EnterMovesOn` screen handles its Enter, the app holds the keys that follow (`StoreApp.hold_keys`) and lets them go
once the focus has moved.
"""

from textual.widget import Widget
from textual.widgets import Input


def focus_now(widget: Widget) -> None:
    """`widget.focus()` waits its turn behind the keys already typed; this does not."""
    widget.screen.set_focus(widget)


class EnterMovesOn:
    """Mixed into a screen of fields; it says what submitting means."""

    def inputs(self) -> list[Input]:
        return [field for field in self.query(Input) if field.display and not field.disabled]

    def moves_on(self, field: Input) -> bool:
        """Whether Enter in `field` goes to the next field (else it submits)."""
        return True

    def submit(self) -> None:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            fields = self.inputs()
            if event.input in fields and fields.index(event.input) + 1 < len(fields) and self.moves_on(event.input):
                focus_now(fields[fields.index(event.input) + 1])
            else:
                self.submit()
        finally:
            getattr(self.app, "release_keys", lambda: None)()
