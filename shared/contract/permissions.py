"""What each part may do on NATS (DESIGN §4): one user per store and one for central."""

from shared.contract import subjects

CENTRAL_USER = "central"


def store_permissions(store_id: str) -> dict:
    """Exactly what one store may do: its own subjects, its own two consumers, its own inbox."""
    publish = [subjects.events(store_id), subjects.heartbeat(store_id), f"omni.req.{store_id}.>"]
    for stream, consumer in ((subjects.COMMANDS_STREAM, subjects.command_consumer(store_id)),
                             (subjects.CATALOG_STREAM, subjects.catalog_consumer(store_id))):
        publish += [f"$JS.API.CONSUMER.INFO.{stream}.{consumer}", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
                    f"$JS.ACK.{stream}.{consumer}.>"]
    subscribe = [f"{subjects.store_inbox_prefix(store_id)}.>", subjects.applied_ack(store_id)]
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}


def central_permissions(store_ids: list[str]) -> dict:
    """Central owns the streams and the stores' consumers; it answers requests into each store's inbox."""
    publish = ["omni.cmd.*", "omni.catalog.>", "omni.ack.*", "$JS.API.>", "$JS.ACK.>",
               *(f"{subjects.store_inbox_prefix(store)}.>" for store in store_ids)]
    subscribe = [subjects.HEARTBEATS_ALL, "omni.req.*.>", f"{subjects.CENTRAL_INBOX_PREFIX}.>"]
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}
