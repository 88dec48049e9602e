"""Work central routed to this store: BOPIS pickups and ship-from-store, step by step, from the keyboard.

At-risk and cancelled fulfilments stand out; every step is one request, and repeating a step the fulfilment
is already in is harmless (the agent answers 200), so a retry after a timeout is safe.
"""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.age import describe_due
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.modals.form import FormDialog, FormField
from tui.modals.label_preview import LabelPreviewDialog
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.status_bar import StatusBar

FINISHED = {"collected", "shipped", "rejected", "cancelled", "expired"}
REJECT_REASONS = {"n": "not_found", "d": "damaged", "c": "no_capacity", "o": "other"}


def reject_form(order_id: str) -> FormDialog:
    def build(v: dict) -> dict:
        reason = REJECT_REASONS.get(v["reason"][:1].lower())
        if reason is None:
            raise ValueError("Reason: n not found · d damaged · c no capacity · o other.")
        return {"reason": reason}
    return FormDialog(f"Reject order {order_id}", [FormField("reason", "n not found · d damaged · c no capacity · "
                                                                        "o other")], build)


def pick_form(fulfilment: dict) -> FormDialog:
    lines = fulfilment["lines"]

    def build(v: dict) -> dict:
        picked = []
        for n, line in enumerate(lines):
            text = v[f"line{n}"]
            if not text.isdigit() or int(text) > line["qty"]:
                raise ValueError(f"{line['sku']}: picked must be 0 to {line['qty']}.")
            picked.append({"sku": line["sku"], "qty": int(text)})
        return {"lines": picked}
    return FormDialog(f"Picked for order {fulfilment['order_id']} (fewer = shortage)",
                      [FormField(f"line{n}", f"{line['sku']} (ordered {line['qty']})", value=str(line["qty"]),
                                 restrict=r"[0-9]*") for n, line in enumerate(lines)], build)


def collect_form(order_id: str) -> FormDialog:
    def build(v: dict) -> dict:
        if not v["code"]:
            raise ValueError("Type the customer's pickup code or scan its QR.")
        return {"pickup_code": v["code"]}
    return FormDialog(f"Hand over order {order_id}", [FormField("code", "Pickup code (scan or type)")], build)


def pack_form(order_id: str) -> FormDialog:
    def build(v: dict) -> dict:
        try:
            weights = [int(w) for w in v["weights"].replace(" ", "").split(",") if w]
        except ValueError:
            raise ValueError("Weights in grams, separated by commas: 1200, 800.") from None
        if not weights or min(weights) <= 0:
            raise ValueError("Give each parcel's weight in grams, above 0.")
        return {"parcels": [{"weight_g": w} for w in weights]}
    return FormDialog(f"Pack order {order_id}", [FormField("weights", "Parcel weights in grams (1200, 800)")], build)


def ship_form(order_id: str) -> FormDialog:
    def build(v: dict) -> dict:
        if not v["carrier"] or not v["tracking"]:
            raise ValueError("Give the carrier and the tracking number.")
        return {"carrier": v["carrier"], "tracking_number": v["tracking"]}
    return FormDialog(f"Ship order {order_id}", [FormField("carrier", "Carrier", value="DHL"),
                                                 FormField("tracking", "Tracking number (scan the label)")], build)


class FulfilmentQueue(SaysMessages, Screen):
    """The queue of one fulfilment type; subclasses name the type and its last two steps."""

    fulfilment_type = "pickup"
    title_text = ""

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.items: list[dict] = []
        self.put_backs: dict[str, int] = {}  # allocation id → its open put-back task
        self.show_finished = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static(self.title_text, id="title")
            yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Items last: on a narrow terminal a long list is what gets cut, never an AT RISK or CANCELLED flag.
        self.query_one(DataTable).add_columns("Order", "Customer", "Status", "Flags", "Due", "Items")
        self.reload()
        self.set_interval(5, self.reload)

    @property
    def selected(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    @work(exit_on_error=False, exclusive=True, group="reload")
    async def reload(self) -> None:
        try:
            items = await self.client.fulfilments(self.fulfilment_type)
            tasks = await self.client.open_tasks()
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if not self.is_attached:
            return
        # A finished order whose units are still to go back on the shelf stays in the list until they are.
        self.put_backs = {t["allocation_id"]: t["id"] for t in tasks if t.get("kind") == "put_back"}
        self.items = [f for f in items if self.show_finished or f["status"] not in FINISHED
                      or f["allocation_id"] in self.put_backs]
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for f in self.items:
            due = f.get("pickup_by") if f["status"] == "ready" else f.get("accept_by")
            flags = []
            if f.get("at_risk"):
                flags.append("[b red]AT RISK[/]")
            if f["status"] == "cancelled":
                flags.append("[b red]CANCELLED[/]")
            if f["allocation_id"] in self.put_backs:
                flags.append("[b]PUT BACK[/]")
            items_text = ", ".join(f"{line['qty']}×{line['sku']}" for line in f["lines"])
            table.add_row(f["order_id"], (f.get("customer") or {}).get("name", ""), f["status"], " ".join(flags),
                          describe_due(due), items_text, key=f["allocation_id"])
        if row is not None and self.items:
            table.move_cursor(row=min(row, len(self.items) - 1))
        self.query_one("#detail", Static).update(
            f"{len(self.items)} open" + (" (with finished)" if self.show_finished else "") if self.items
            else "Nothing waiting.")
        self.show_selected()

    def show_selected(self) -> None:
        """Show more of the chosen order (a screen that has more to show says what)."""

    async def confirm_step(self, fulfilment: dict, step: str, body: dict | None) -> bool:
        """A last look before a step is sent; True to go ahead."""
        return True

    def action_toggle_finished(self) -> None:
        self.show_finished = not self.show_finished
        self.reload()

    def action_step(self, step: str) -> None:
        fulfilment = self.selected
        if fulfilment is None:
            self.say("Nothing selected.", error=True)
            return
        self.run_step(fulfilment, step)

    @work(exit_on_error=False, exclusive=True, group="step")
    async def run_step(self, fulfilment: dict, step: str) -> None:
        forms = {"reject": lambda: reject_form(fulfilment["order_id"]), "pick": lambda: pick_form(fulfilment),
                 "collect": lambda: collect_form(fulfilment["order_id"]),
                 "pack": lambda: pack_form(fulfilment["order_id"]), "ship": lambda: ship_form(fulfilment["order_id"])}
        body = None
        if step in forms:
            body = await self.app.push_screen_wait(forms[step]())
            if body is None:
                return
        try:
            if not await self.confirm_step(fulfilment, step, body):
                return
            answer = await self.client.fulfilment_step(fulfilment["allocation_id"], step, body)
        except EdgeUnreachable:
            self.say("The store agent did not answer; press the key again (a repeated step is harmless).", error=True)
            return
        except EdgeError as e:
            self.say(str(e), error=True)
            return
        self.say(f"Order {answer['order_id']}: {answer['status']}.")
        self.reload()

    def action_put_back(self) -> None:
        fulfilment = self.selected
        task_id = self.put_backs.get(fulfilment["allocation_id"]) if fulfilment else None
        if task_id is None:
            self.say("Nothing to put back for this order.", error=True)
            return
        self.finish_put_back(fulfilment["order_id"], task_id)

    @work(exit_on_error=False, exclusive=True, group="step")
    async def finish_put_back(self, order_id: str, task_id: int) -> None:
        try:
            await self.client.put_back_done(task_id)
        except EdgeUnreachable:
            self.say("The store agent did not answer; press F5 again (repeating it is harmless).", error=True)
            return
        except EdgeError as e:
            self.say(str(e), error=True)
            return
        self.say(f"Order {order_id}: its units are back on the shelf.")
        self.reload()

    def action_leave(self) -> None:
        self.dismiss(None)


class PickupsScreen(FulfilmentQueue):
    fulfilment_type = "pickup"
    title_text = "[b]Pickups[/b] (BOPIS) — ↑↓ choose an order"
    BINDINGS = [
        Binding("f3", "step('accept')", "Accept"), Binding("f4", "step('reject')", "Reject"),
        Binding("f5", "put_back", "Put back", tooltip="The units of a cancelled or expired order are back on the shelf"),
        Binding("f6", "step('pick')", "Picked"), Binding("f7", "step('ready')", "Ready"),
        Binding("f8", "step('collect')", "Collect"), Binding("f9", "toggle_finished", "Done", tooltip="Show or hide finished orders"),
        Binding("escape", "leave", "Back"),
    ]


def ship_to_lines(ship_to: dict | None, customer: dict | None = None) -> list[str]:
    """The address as the label prints it: name, street lines, postal code and city, region, country, phone."""
    ship_to = ship_to or {}
    place = " ".join(p for p in (ship_to.get("postal_code") or ship_to.get("postcode"), ship_to.get("city")) if p)
    phone = ship_to.get("phone")
    lines = [ship_to.get("name") or (customer or {}).get("name"), ship_to.get("line1") or ship_to.get("address"),
             ship_to.get("line2"), place, ship_to.get("region"), ship_to.get("country"),
             f"Tel {phone}" if phone else None]
    return [line for line in lines if line]


class ShipmentsScreen(FulfilmentQueue):
    fulfilment_type = "ship"
    title_text = "[b]Ship from store[/b] — ↑↓ choose an order"

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Vertical).mount(Static("", id="ship-to", markup=False), before="#detail")

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.show_selected()

    def show_selected(self) -> None:
        found = self.query("#ship-to")
        if not found:
            return
        fulfilment = self.selected
        lines = ship_to_lines(fulfilment.get("ship_to"), fulfilment.get("customer")) if fulfilment else []
        # One wrapped paragraph: at 80×24 the queue keeps its rows.
        found.first(Static).update(("Ship to: " + " · ".join(lines) if lines else "Ship to: (no address)")
                                   if fulfilment else "")

    async def confirm_step(self, fulfilment: dict, step: str, body: dict | None) -> bool:
        """Before a parcel ships, the label it will print, for the associate to check the address."""
        if step != "ship":
            return True
        preview = await self.client.label_preview(fulfilment["allocation_id"], body["carrier"],
                                                  body["tracking_number"])
        if preview["status"] != "packed":  # the agent's answer to the step says why it cannot ship
            return True
        return bool(await self.app.push_screen_wait(LabelPreviewDialog(fulfilment["order_id"], preview["text"])))
    BINDINGS = [
        Binding("f3", "step('accept')", "Accept"), Binding("f4", "step('reject')", "Reject"),
        Binding("f6", "step('pick')", "Picked"), Binding("f7", "step('pack')", "Pack"),
        Binding("f8", "step('ship')", "Ship"), Binding("f9", "toggle_finished", "Done", tooltip="Show or hide finished orders"),
        Binding("escape", "leave", "Back"),
    ]
