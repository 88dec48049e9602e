"""A store's memory after many sales next to after a few: the agent's resident set, read from the OS.

The database lives on a RAM disk when there is one (/dev/shm), so the sales run at the speed of the code rather
than of the disk; what is measured here is what the process keeps, not how fast it writes.
"""

import tempfile
import threading
from pathlib import Path

from tests.bench.edge_sale import EdgeServer, Terminal
from tests.bench.harness import Result


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc (not Linux?)")


def sell(terminals: list[Terminal], sales: int) -> None:
    def run(terminal: Terminal, n: int) -> None:
        for _ in range(n):
            terminal.sale()

    threads = [threading.Thread(target=run, args=(t, sales // len(terminals))) for t in terminals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def memory(root: Path, seconds: float, rounds: int) -> list[Result]:
    many = 100_000 if seconds >= 2 else 3_000
    ram = Path("/dev/shm") if Path("/dev/shm").is_dir() else root
    with tempfile.TemporaryDirectory(dir=ram, prefix="omnistore-bench-") as tmp, EdgeServer(Path(tmp), "edge-mem") as server:
        terminals = [Terminal(server, f"m{i}") for i in range(4)]
        sell(terminals, 1000)
        after_few = resident_mb(server.child.pid)
        sell(terminals, many - 1000)
        after_many = resident_mb(server.child.pid)
        for terminal in terminals:
            terminal.client.close()
    ratio = after_many / after_few
    return [Result(f"store memory after {many:,} sales vs after 1,000", after_many, "MB", after_few,
                   "resident memory after 1,000 sales", ratio, "≤ 1.2 ×", ratio <= 1.2)]
