"""The command palette (Ctrl+P) reaches every screen and action of the counter: the screens from anywhere, and
every key of the screen it was opened from."""

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class StoreCommands(Provider):
    def _screens(self) -> list[tuple[str, str, object]]:
        app = self.app
        return [
            ("Sell", "Scan lines and take payment (F2 at home)", lambda: app.open_screen("sell")),
            ("Stock", "Look up, receive, adjust, count (F3 at home)", lambda: app.open_screen("stock")),
            ("Returns", "Take goods back and refund (F4 at home)", lambda: app.open_screen("returns")),
            ("Pickups", "BOPIS orders: accept, pick, ready, collect (F6 at home)", lambda: app.open_screen("pickups")),
            ("Ship from store", "Accept, pick, pack, ship (F7 at home)", lambda: app.open_screen("shipments")),
            ("Transfers", "Stock to send to or receive from another store: scan, ship, receive (F10 at home)",
             lambda: app.open_screen("transfers")),
            ("Reprint", "Print a receipt, return, bag tag or label again (F8 at home)", lambda: app.open_screen("reprint")),
            ("Printers", "Printer state, test page, end-of-day summary (F9 at home)", lambda: app.open_screen("printers")),
            ("Find an order", "A pickup or ship-from-store order by code, number, bag tag or name (Ctrl+F)",
             app.action_find_order),
            ("Home", "Store status and sync backlog", lambda: app.open_screen("home")),
            ("Refresh status", "Ask the store agent for its link and backlog now", app.poll_status),
            ("Sign out", "Leave the counter for the next associate", app.sign_out),
        ]

    def _actions(self) -> list[tuple[str, str, object]]:
        """The keys of the screen the palette was opened from, so nothing depends on remembering a key."""
        screen = self.screen
        actions = []
        for binding in getattr(type(screen), "BINDINGS", []):
            # Keys kept out of a narrow footer still come here when they say what they do (a tooltip).
            if isinstance(binding, Binding) and (binding.show or binding.tooltip) and binding.description:
                def run(action: str = binding.action) -> None:
                    self.app.call_later(screen.run_action, action)
                help_text = f"{binding.tooltip} (key {binding.key})" if binding.tooltip else \
                    f"key {binding.key} on this screen"
                actions.append((binding.description, help_text, run))
        return actions

    def _commands(self) -> list[tuple[str, str, object]]:
        if getattr(self.app, "associate", None) is None:
            return []
        return self._actions() + self._screens()

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            # The help counts at a lower score, so "finished" finds the key whose footer label is "Done".
            score = matcher.match(name) or matcher.match(help_text) * 0.5
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
