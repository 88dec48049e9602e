"""How a long-running part keeps its memory from creeping up.

glibc's malloc gives each thread that finds the allocator busy an arena of its own, up to eight per core, and an
arena's free space is rarely handed back: once the API's thread pool allocates in parallel (sign-in checks, receipt
rendering, JSON), long-lived blocks (SQLite's page caches) and short-lived ones (request bodies, receipts) end up
interleaved across many arenas, and the resident memory of a store grew by ~20 MB over 100,000 sales where it
stays flat with two arenas. Python holds the GIL while it allocates, so more arenas buy it almost nothing.
"""

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas in this process; False where the C library is not glibc (or
    refuses), which changes nothing else."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc: musl, macOS
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = mallopt(M_ARENA_MAX, arenas) == 1
    if not done:
        log.info("malloc arenas not limited: the C library refused")
    return done


@contextmanager
def start_up_kept() -> Iterator[None]:
    """While a part runs, what it built at start-up (modules, models' validators, its app and services: a hundred
    thousand objects and more) is left out of the cycle collector's full passes. Ingest's batches keep hundreds of
    decoded events alive while they apply, long enough to reach the oldest generation, so a full pass came every
    ~3,000 applied events and walked everything start-up made each time: 60-70 ms of CPU, some 20 µs per event.
    Garbage made later is collected as before; what start-up made is handed back to the collector at the stop."""
    gc.freeze()  # no collection first: it would cost every start of the app in a test run
    try:
        yield
    finally:
        gc.unfreeze()
