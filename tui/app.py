"""StoreApp: the counter UI of one store, a client of its edge agent."""

from textual.app import App

from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen

_SIGN_IN_AGAIN = {"expired": "Your session lapsed. Sign in again.", "signed_out": "Signed out."}


class StoreApp(App):
    TITLE = "omnistore"

    def __init__(self, client: EdgeClient, login_hint: str | None = None):
        super().__init__()
        self.client = client
        self.login_hint = login_hint

    def on_mount(self) -> None:
        self.ask_for_login()

    def ask_for_login(self, message: str = "") -> None:
        self.push_screen(LoginScreen(self.client, self.login_hint, message), self.signed_in)

    def signed_in(self, associate: dict) -> None:
        self.push_screen(HomeScreen(self.client, associate), self.left_home)

    def left_home(self, reason: str) -> None:
        self.pop_screen()  # the login screen under it
        self.ask_for_login(_SIGN_IN_AGAIN.get(reason, ""))

    async def on_unmount(self) -> None:
        await self.client.aclose()
