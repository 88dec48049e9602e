"""What every measure of the bench shares: rounds of the measure interleaved with rounds of its limit, medians,
percentiles, and one result row.

A shared machine's speed drifts by several times within a minute, so a limit measured before or after its measure
says little. Here each round of the measure is followed by a round of the limit (and the next round starts with
the limit), and each side's figure is the median of its rounds: the ratio holds while the machine's speed moves.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    limit: float
    limit_name: str
    ratio: float  # value / limit: a share of the limit for rates, a multiple of it for times
    goal: str
    met: bool

    def as_json(self) -> dict:
        return asdict(self)


def rate_result(name: str, value: float, limit: float, limit_name: str, *, unit: str, at_least: float) -> Result:
    """A rate (higher is better) whose goal is a share of its limit."""
    ratio = value / limit if limit else 0.0
    return Result(name, value, unit, limit, limit_name, ratio, f"≥ {at_least:.0%} of the limit", ratio >= at_least)


def time_result(name: str, value: float, limit: float, limit_name: str, *, unit: str, at_most: float,
                absolute_at_most: float | None = None) -> Result:
    """A time (lower is better) whose goal is a multiple of its limit, and maybe a ceiling of its own too."""
    ratio = value / limit if limit else float("inf")
    goal = f"≤ {at_most:g} × the limit" + (f", ≤ {absolute_at_most:g} {unit}" if absolute_at_most else "")
    met = ratio <= at_most and (absolute_at_most is None or value <= absolute_at_most)
    return Result(name, value, unit, limit, limit_name, ratio, goal, met)


def interleaved(rounds: int, measure: Callable[[], dict[str, float]],
                limit: Callable[[], dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Alternate rounds (M L L M M L …) and answer the median of each figure each side reported."""
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for i in range(rounds):
        pair = [(measure, ours), (limit, theirs)]
        for run, into in (pair if i % 2 == 0 else pair[::-1]):
            into.append(run())
    return medians(ours), medians(theirs)


def medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latencies(seconds: float, step: Callable[[], None], *, at_least: int = 20) -> list[float]:
    """Call `step` for about `seconds` (and at least `at_least` times); each call's duration in ms."""
    taken: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(taken) < at_least:
        started = time.perf_counter()
        step()
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def rate(seconds: float, step: Callable[[], None]) -> float:
    """How many calls of `step` a second, calling it for about `seconds`."""
    n, started = 0, time.perf_counter()
    end = started + seconds
    while time.perf_counter() < end:
        step()
        n += 1
    return n / (time.perf_counter() - started)
