"""Making the contract's streams exist on a JetStream server, keeping those already there and their data."""

from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contract.streams import STREAMS, StreamSpec


def stream_config(spec: StreamSpec, replicas: int = 1) -> StreamConfig:
    limits = {"max_age": spec.max_age_s or None}
    if spec.max_msgs_per_subject > 0:
        limits["max_msgs_per_subject"] = spec.max_msgs_per_subject
    return StreamConfig(name=spec.name, subjects=list(spec.subjects), storage=StorageType.FILE, num_replicas=replicas,
                        retention=RetentionPolicy.LIMITS, duplicate_window=spec.duplicate_window_s, **limits)


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    return [stream_config(spec, replicas) for spec in STREAMS]


async def ensure_streams(js, replicas: int = 1) -> None:
    """Create the streams if missing, keeping those that exist and their data."""
    for config in stream_configs(replicas):
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config=config)
