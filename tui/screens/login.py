"""Sign-in at the counter: associate id, then PIN; Enter moves on, a scanner's badge read works the same."""

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import EnterMovesOn, focus_now

RETRY_SECONDS = 2.0


class LoginScreen(ShowsFailures, EnterMovesOn, Screen):
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def __init__(self, client: EdgeClient, hint: str | None = None, message: str = ""):
        super().__init__()
        self.client = client
        self.hint = hint
        self.initial_message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("omnistore", id="store")
            yield Label("Associate id")
            yield Input(id="associate", placeholder="scan your badge or type your id")
            yield Label("PIN")
            yield Input(id="pin", password=True, placeholder="PIN", restrict=r"[0-9]*", max_length=8)
            yield Static(self.initial_message, id="message")
            if self.hint:
                yield Static(self.hint, id="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        focus_now(self.query_one("#associate", Input))
        self.load_store_name()

    @work(exit_on_error=False, exclusive=True, group="store-name")
    async def load_store_name(self) -> None:
        # Keep asking: the agent may still be starting, and the screen should recover by itself.
        unreachable = False
        while True:
            try:
                health = await self.client.health()
            except (EdgeUnreachable, EdgeError) as e:
                unreachable = True
                self.show(f"{e} Check that the store agent is running; retrying …")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self.query_one("#store", Static).update(f"{health['store_name']} · {health['store_id']}")
            if unreachable:
                self.show("")
            return

    def show(self, message: str) -> None:
        self.query_one("#message", Static).update(message)

    def moves_on(self, field: Input) -> bool:
        field.value = field.value.strip()
        return bool(field.value)  # a badge read or an id typed; an empty Enter waits for one

    def submit(self) -> None:
        associate = self.query_one("#associate", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not associate:
            self.show("Enter your associate id first.")
            focus_now(self.query_one("#associate", Input))
            return
        self.sign_in(associate, pin)

    @work(exit_on_error=False, exclusive=True, group="login")
    async def sign_in(self, associate: str, pin: str) -> None:
        self.show("Signing in …")
        try:
            answer = await self.client.login(associate, pin)
        except (EdgeUnreachable, EdgeError) as e:
            self.query_one("#pin", Input).value = ""
            focus_now(self.query_one("#pin", Input))
            self.show(str(e))
            return
        self.dismiss(answer["associate"])
