"""A small keyboard form in a dialog: Enter moves to the next field and submits on the last."""

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    restrict: str | None = None


class FormDialog(ModalScreen[dict | None]):
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

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        ids = [f.id for f in self.fields]
        position = ids.index(event.input.id)
        if position + 1 < len(ids):
            self.query_one(f"#{ids[position + 1]}", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = {f.id: self.query_one(f"#{f.id}", Input).value.strip() for f in self.fields}
        try:
            self.dismiss(self.build(values))
        except ValueError as e:
            self.query_one("#error", Static).update(str(e))

    def action_cancel(self) -> None:
        self.dismiss(None)
