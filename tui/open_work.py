"""What is waiting for the associates, counted from the store's fulfilments and tasks."""

from datetime import datetime, timedelta, timezone

from tui.age import describe_due

EXPIRING_WITHIN = timedelta(hours=24)


def summarise(pickups: list[dict], shipments: list[dict], tasks: list[dict], now: datetime | None = None,
              transfers: list[dict] | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    waiting = [f for f in pickups if f["status"] in ("assigned", "accepted", "picked")]
    to_accept = [f for f in pickups + shipments if f["status"] == "assigned"]
    ready = [f for f in pickups if f["status"] == "ready"]
    expiring = [f for f in ready if f.get("pickup_by")
                and datetime.fromisoformat(f["pickup_by"].replace("Z", "+00:00")) - now < EXPIRING_WITHIN]
    to_ship = [f for f in shipments if f["status"] in ("assigned", "accepted", "picked", "packed")]
    at_risk = [f for f in pickups + shipments if f.get("at_risk") and f["status"] not in ("collected", "shipped")]
    counts = [t for t in tasks if t.get("kind") == "count"]
    put_backs = [t for t in tasks if t.get("kind") == "put_back"]
    lines = ["[b]Open work[/b]"]
    lines.append(f"Pickups to prepare: {len(waiting)}   on the shelf: {len(ready)}"
                 + (f"   [b]expiring soon: {len(expiring)}[/b]" if expiring else ""))
    lines.append(f"Ship from store to do: {len(to_ship)}   counts to do: {len(counts)}   put-backs: {len(put_backs)}")
    to_send = [t for t in transfers or [] if t["direction"] == "out" and t["status"] == "reserved"]
    to_receive = [t for t in transfers or [] if t["direction"] == "in" and t["status"] == "in_transit"]
    if to_send or to_receive:  # a line only when there is one: at 80×24 the home screen has none to spare
        lines.append(f"[b]Transfers to send: {len(to_send)}   to receive: {len(to_receive)}[/b] (F10)")
    if to_accept:
        soonest = min((f["accept_by"] for f in to_accept if f.get("accept_by")), default=None)
        lines.append(f"[b]{len(to_accept)} to accept[/b]" + (f", first {describe_due(soonest, now)}" if soonest else ""))
    if at_risk:
        lines.append(f"[b red]{len(at_risk)} at risk: recount or reject[/]")
    return "\n".join(lines)
