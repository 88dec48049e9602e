"""The three JetStream streams of DESIGN §4 as plain data: what every deployment must agree on."""

from dataclasses import dataclass

from shared.contract import subjects

THIRTY_DAYS_S = 30 * 24 * 3600
DUPLICATE_WINDOW_S = 120


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_s: int = 0                  # 0: kept until a limit other than age applies
    duplicate_window_s: int = DUPLICATE_WINDOW_S
    max_msgs_per_subject: int = -1      # -1: no limit


STREAMS = (
    StreamSpec(subjects.EVENTS_STREAM, (subjects.EVENTS_ALL,), max_age_s=THIRTY_DAYS_S),
    StreamSpec(subjects.COMMANDS_STREAM, (subjects.COMMANDS_ALL,), max_age_s=THIRTY_DAYS_S),
    # The catalog keeps the last message per subject: a product's latest version, the policy, the keys.
    StreamSpec(subjects.CATALOG_STREAM, (subjects.CATALOG_ALL,), max_msgs_per_subject=1),
)
