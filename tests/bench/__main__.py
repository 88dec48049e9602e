"""omnistore's speed next to this machine's own limits, each limit measured interleaved with its measure.

    uv run python -m tests.bench [--quick] [--only NAME ...] [--out bench-results.json]

Prints one table and writes every row as JSON: {name, value, unit, limit, limit_name, ratio, goal, met}.
Not a test: nothing here fails on a time; `met` only says whether the figure reached its goal in this run.
"""

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench import (
    central_atp,
    central_ingest,
    edge_memory,
    edge_sale,
    outbox_drain,
    reports,
    routing_speed,
    sale_to_atp,
    tui_speed,
)
from tests.bench.harness import Result

Measure = Callable[[Path, float, int], list[Result]]

# name → (measure, seconds a round, rounds) in full and in quick runs
MEASURES: dict[str, Measure] = {
    "sale-inprocess": edge_sale.in_process,
    "sale-http": edge_sale.over_http,
    "sale-20-terminals": edge_sale.twenty_terminals,
    "memory": edge_memory.memory,
    "ingest": central_ingest.ingest,
    "outbox-drain": outbox_drain.outbox_drain,
    "sale-to-atp": sale_to_atp.sale_to_atp,
    "atp": central_atp.atp,
    "routing": routing_speed.speed,
    "routing-inputs": central_atp.routing_inputs,
    "routing-cost": routing_speed.cost,
    "tui": tui_speed.tui,
    "reports": reports.reports,
}
ROUNDS = {"full": (2.0, 9), "quick": (0.4, 5)}


def table(results: list[Result]) -> str:
    lines = [f"{'measure':<52} {'value':>10} {'unit':<8} {'limit':>10}  {'ratio':>7}  {'goal':<28} met"]
    for r in results:
        lines.append(f"{r.name:<52} {r.value:>10.2f} {r.unit:<8} {r.limit:>10.2f}  {r.ratio:>7.2f}  {r.goal:<28} "
                     f"{'yes' if r.met else 'NO'}")
        lines.append(f"{'':<52} {'limit: ' + r.limit_name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds a measure (all under 3 minutes)")
    parser.add_argument("--only", action="append", choices=sorted(MEASURES), metavar="NAME",
                        help=f"run only this measure (repeatable): {', '.join(MEASURES)}")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    args = parser.parse_args(argv)
    seconds, rounds = ROUNDS["quick" if args.quick else "full"]
    results: list[Result] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="omnistore-bench-") as tmp:
        for name in args.only or list(MEASURES):
            root = Path(tmp) / name
            root.mkdir()
            print(f"… {name}", flush=True)
            results += MEASURES[name](root, seconds, rounds)
    print()
    print(table(results))
    load = os.getloadavg()
    print(f"\n{len(results)} figures in {time.monotonic() - started:.0f} s; load average {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    args.out.write_text(json.dumps({"load_average": load, "cpus": os.cpu_count(), "quick": args.quick,
                                    "results": [r.as_json() for r in results]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
