"""Printing at the counter: reprint anything by its number, and the printers' state with a test page."""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.age import describe_age
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar


class _PrintScreen(ShowsFailures, SaysMessages, Screen):
    """Reprint and printers: a title, a table, the message line (styled in store.tcss)."""

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client

    def action_leave(self) -> None:
        self.dismiss(None)


class ReprintScreen(_PrintScreen):
    BINDINGS = [Binding("f10", "reprint", "Print again", priority=True), Binding("escape", "leave", "Back"),
                # The scan field keeps the focus; the arrows choose the job F10 prints.
                Binding("up", "choose(-1)", "Up", show=False), Binding("down", "choose(1)", "Down", show=False)]

    def __init__(self, client: EdgeClient):
        super().__init__(client)
        self.jobs: list[dict] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Reprint[/b] — scan or type a receipt, return or order number; empty shows the latest",
                         id="title")
            yield ScanInput(id="ref", placeholder="S001-000123", clear=False)
            yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Number", "What", "Printer", "State", "When")
        focus_now(self.query_one("#ref", ScanInput))
        self.find(None)

    @on(ScanInput.Scanned, "#ref")
    def submitted(self, event: ScanInput.Scanned) -> None:
        self.find(event.code or None)

    @work(exit_on_error=False, exclusive=True, group="find")
    async def find(self, ref: str | None) -> None:
        try:
            jobs = await self.client.print_jobs(ref)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if not self.is_attached:
            return
        self.jobs = jobs
        table = self.query_one(DataTable)
        table.clear()
        for job in jobs:
            state = job["status"] + (f" ({job['last_error']})" if job.get("last_error") else "")
            table.add_row(job["ref"], job["kind"], job["printer"], shorten(state, 30),
                          describe_age(job.get("created_at")) + " ago", key=job["id"])
        if jobs:
            self.say("↑↓ choose, F10 prints it again; or scan another number.")
        else:
            if ref:
                self.app.bell()
            self.say(f"Nothing printed under {ref!r} yet." if ref else "Nothing printed yet.", error=bool(ref))

    def action_choose(self, step: int) -> None:
        table = self.query_one(DataTable)
        if self.jobs:
            table.move_cursor(row=max(0, min((table.cursor_row or 0) + step, len(self.jobs) - 1)))

    def action_reprint(self) -> None:
        table = self.query_one(DataTable)
        if not self.jobs or table.cursor_row is None:
            self.say("Find something to print first.", error=True)
            return
        job = self.jobs[min(table.cursor_row, len(self.jobs) - 1)]
        self.reprint(job)

    @work(exit_on_error=False, exclusive=True, group="reprint")
    async def reprint(self, job: dict) -> None:
        try:
            await self.client.print_again(job["kind"], job["id"])
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        self.say(f"{job['kind']} {job['ref']} sent to {job['printer']} again.")
        self.find(job["ref"])


class PrintersScreen(_PrintScreen):
    BINDINGS = [Binding("f3", "test_page", "Test page"), Binding("f8", "end_of_day", "End of day"),
                Binding("f5", "refresh", "Refresh"), Binding("escape", "leave", "Back")]

    def __init__(self, client: EdgeClient):
        super().__init__(client)
        self.printers: list[dict] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Printers[/b]", id="title")
            yield DataTable(id="printers", cursor_type="row")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Printer", "For", "Where", "State", "Waiting", "Last problem")
        self.action_refresh()
        self.set_interval(3, self.action_refresh)

    def action_refresh(self) -> None:
        self.load()

    @work(exit_on_error=False, exclusive=True, group="load")
    async def load(self) -> None:
        try:
            printers = await self.client.printers()
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if not self.is_attached:
            return
        self.printers = printers
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for p in printers:
            state = "[b red]FAILING[/]" if p.get("state") == "failing" else "ok"
            if p.get("failing_since"):
                state += f" for {describe_age(p['failing_since'])}"
            table.add_row(p["name"], p.get("kind") or "", p.get("target") or "", state, str(p.get("queued", 0)),
                          shorten(p.get("last_error") or "", 30), key=p["name"])
        if row is not None and printers:
            table.move_cursor(row=min(row, len(printers) - 1))
        if not printers:
            self.say("No printers are configured for this store (see docs/printing.md).", error=True)

    def action_test_page(self) -> None:
        table = self.query_one(DataTable)
        if not self.printers or table.cursor_row is None:
            return
        self.send(lambda: self.client.print_again("test-page",
                                                  f"TEST-{self.printers[min(table.cursor_row, len(self.printers) - 1)]['name']}"),
                  "Test page queued.")

    def action_end_of_day(self) -> None:
        self.send(self.client.print_end_of_day, "End-of-day summary queued.")

    @work(exit_on_error=False, exclusive=True, group="send")
    async def send(self, call, done: str) -> None:
        try:
            await call()
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        self.say(done)
        self.load()
