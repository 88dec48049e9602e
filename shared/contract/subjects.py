"""Every NATS subject, stream and consumer name of DESIGN §4, in one place."""

import re

EVENTS_STREAM = "EVENTS"
COMMANDS_STREAM = "COMMANDS"
CATALOG_STREAM = "CATALOG"

CENTRAL_INGEST = "central-ingest"
CENTRAL_REQUEST_GROUP = "central"
CENTRAL_INBOX_PREFIX = "_INBOX_CENTRAL"

CATALOG_POLICY = "omni.catalog.policy"
CATALOG_KEYS = "omni.catalog.keys"
CATALOG_ALL = "omni.catalog.>"
EVENTS_ALL = "omni.evt.*"
COMMANDS_ALL = "omni.cmd.*"
HEARTBEATS_ALL = "omni.hb.*"
REQUESTS_ALL = "omni.req.*.>"

_PLAIN_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
STORE_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def sku_token(sku: str) -> str:
    """A SKU as one subject token: as is when plain, else `x` + its UTF-8 hex."""
    if _PLAIN_TOKEN.match(sku):
        return sku
    return "x" + sku.encode("utf-8").hex()


def events(store_id: str) -> str:
    return f"omni.evt.{store_id}"


def commands(store_id: str) -> str:
    return f"omni.cmd.{store_id}"


def heartbeat(store_id: str) -> str:
    return f"omni.hb.{store_id}"


def applied_ack(store_id: str) -> str:
    return f"omni.ack.{store_id}"


def atp_request(store_id: str) -> str:
    return f"omni.req.{store_id}.atp"


def order_request(store_id: str) -> str:
    return f"omni.req.{store_id}.order"


def receipt_request(store_id: str) -> str:
    """Another store's walk-in receipt, for a return here."""
    return f"omni.req.{store_id}.receipt"


def credit_request(store_id: str) -> str:
    """Holding (or releasing) an amount of a credit note for a sale at the counter."""
    return f"omni.req.{store_id}.credit"


def catalog_product(sku: str) -> str:
    return f"omni.catalog.product.{sku_token(sku)}"


def command_consumer(store_id: str) -> str:
    return f"edge-{store_id}"


def catalog_consumer(store_id: str) -> str:
    return f"catalog-{store_id}"


def store_inbox_prefix(store_id: str) -> str:
    """The only subjects a store may subscribe to for replies (its NATS permissions allow `<prefix>.>`)."""
    return f"_INBOX_{store_id}"


def reply_belongs_to(store_id: str, reply: str | None) -> bool:
    """Whether an answer to `store_id`'s request may go to `reply`: only into that store's own inbox. A reply
    subject is the requester's choice and NATS does not check it; aimed elsewhere (another store's commands,
    a stream, the JetStream API) the answer would be written there with the answerer's rights."""
    if not reply:
        return False
    prefix = store_inbox_prefix(store_id) + "."
    return reply.startswith(prefix) and len(reply) > len(prefix) and not any(c in reply for c in "*> \t\r\n")


def request_kind(subject: str) -> str:
    """`atp` of `omni.req.<store>.atp`: what a store asks central."""
    parts = subject.split(".")
    if len(parts) < 4 or parts[:2] != ["omni", "req"]:
        raise ValueError(f"{subject!r} is not an omnistore request subject")
    return ".".join(parts[3:])


def store_of(subject: str) -> str:
    """The store id in `omni.<kind>.<store>[...]`."""
    parts = subject.split(".")
    if len(parts) < 3 or parts[0] != "omni":
        raise ValueError(f"{subject!r} is not an omnistore store subject")
    return parts[2]


def msg_id(store_id: str, event_id: str, resent: int = 0) -> str:
    """`Nats-Msg-Id` of an event: dedup spans the whole stream, so the store is part of it. A send central asked
    for again (`sync.resend`) gets its own id, or JetStream would drop it as a duplicate of the lost first copy."""
    first = f"{store_id}:{event_id}"
    return first if resent == 0 else f"{first}:r{resent}"


def is_msg_id_of(header: str | None, store_id: str, event_id: str) -> bool:
    """Whether `header` is the `Nats-Msg-Id` of some send of that event."""
    first = msg_id(store_id, event_id)
    if header == first:
        return True
    tail = header[len(first) + 2:] if header and header.startswith(first + ":r") else ""
    return tail.isdigit() and not tail.startswith("0")
