"""A small keyboard form in a dialog: Enter and Tab move to the next field, Enter submits on the last."""

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from tui.fields import EnterMovesOn, focus_now


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    restrict: str | None = None


class FormDialog(EnterMovesOn, ModalScreen[dict | None]):
    """Dismisses with what `build(values)` makes of the fields, or None; a ValueError's text is shown instead."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("f10", "submit", "Save", priority=True)]

    def __init__(self, title: str, fields: list[FormField], build: Callable[[dict[str, str]], dict]):
        super().__init__()
        self.title_text, self.fields, self.build = title, fields, build

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title")
            for field in self.fields:
                yield Label(field.label)
                yield Input(id=field.id, placeholder=field.placeholder, value=field.value, restrict=field.restrict)
            yield Static("", id="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        focus_now(self.query_one(f"#{self.fields[0].id}", Input))
        self.app.release_keys()

    def submit(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        values = {f.id: self.query_one(f"#{f.id}", Input).value.strip() for f in self.fields}
        try:
            self.dismiss(self.build(values))
        except ValueError as e:
            self.query_one("#error", Static).update(str(e))

    def action_cancel(self) -> None:
        self.dismiss(None)
