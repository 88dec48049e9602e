"""The agent limits glibc's malloc arenas: with one arena per thread of the API's pool, a store's resident memory
crept up with every sale (fragments of short- and long-lived blocks spread over many arenas)."""

import platform
import subprocess
import sys

import pytest

HEAPS = """
import ctypes, ctypes.util, os, sys, tempfile, threading
if sys.argv[1] == "limited":
    from edge.api.app import create_app
    from edge.settings import EdgeSettings
    create_app(EdgeSettings(store_id="S001", db_path=sys.argv[2]), with_nats=False)
together = threading.Barrier(12)
def work():
    together.wait()  # all alive at once: none takes over the arena of one that ended
    kept = [bytearray(4096) for _ in range(200)]  # above Python's small-object sizes: malloc's own
    together.wait()
threads = [threading.Thread(target=work) for _ in range(12)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fdopen.restype = ctypes.c_void_p
with tempfile.TemporaryFile() as f:
    stream = libc.fdopen(os.dup(f.fileno()), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    f.seek(0)
    print(f.read().count(b"<heap nr="))
"""


def heaps(mode: str, tmp_path) -> int:
    done = subprocess.run([sys.executable, "-c", HEAPS, mode, str(tmp_path / "edge.db")], capture_output=True,
                          text=True, timeout=120, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_the_agent_keeps_its_threads_to_two_malloc_arenas(tmp_path):
    assert heaps("default", tmp_path) > 2  # the test can tell: unlimited, a dozen threads get arenas of their own
    assert heaps("limited", tmp_path) <= 2


def test_what_central_made_at_start_up_is_left_out_of_full_collections_until_it_stops(tmp_path):
    """Ingest's batches keep their decoded events alive long enough to reach the oldest generation; every full
    collection then walked every object start-up made, a quarter of the CPU of applying a sale."""
    import asyncio
    import gc

    from central.api.app import create_app
    from central.settings import CentralSettings

    app = create_app(CentralSettings(db_path=tmp_path / "central.db", admin_token="bench-admin-token-0123"), with_nats=False)
    seen = {}

    async def run():
        async with app.router.lifespan_context(app):
            seen["running"] = gc.get_freeze_count()
    asyncio.run(run())
    assert seen["running"] > 10_000  # modules, validators, the app and its services
    assert gc.get_freeze_count() == 0  # handed back: garbage among them can be collected again
