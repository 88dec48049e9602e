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
