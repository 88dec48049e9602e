"""The store binary for the tests: built once by packaging/build.sh and kept under the user's cache, named by a digest
of the build's inputs, so a run on a tree already built reuses it and any change to what goes into it builds it
again. One build at a time per tree (a file lock): a whole run starts it in the background as soon as it knows the
binary's test is selected (`python -m tests.packaging.store_binary_build`), the test takes the lock and finds it
built, or builds it itself if the background build failed."""

import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 900  # a one-file build takes ~40 s of CPU, minutes on a busy 2-core machine

# Everything the build reads: the parts it freezes, the build files, the locked dependencies (PyInstaller among
# them) and the project's metadata. The same inputs on the same Python make the same program.
BUILD_INPUTS = ("edge", "shared", "tui", "packaging", "pyproject.toml", "uv.lock")
BUILDS_KEPT = 4  # one per recent tree: a few branches checked out in turn


class BuildFailed(Exception):
    pass


def build_key() -> str:
    digest = hashlib.sha256(f"{sys.version} {platform.machine()}".encode())
    for top in BUILD_INPUTS:
        paths = [ROOT / top] if (ROOT / top).is_file() else sorted((ROOT / top).rglob("*"))
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"\0{path.relative_to(ROOT)}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:24]


def build_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omnistore" / "store-binary"


def cached_binary() -> Path:
    return build_cache() / build_key() / "omnistore-store"


@contextmanager
def _only_builder(cached: Path) -> Iterator[None]:
    """Held while one process checks for and makes this tree's build; another waits here, then finds it made."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    with open(cached.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def built() -> Path:
    """This tree's binary, built now unless it is in the cache already (or a build of it is on its way)."""
    cached = cached_binary()
    with _only_builder(cached):
        if cached.is_file():
            os.utime(cached.parent)
            return cached
        with tempfile.TemporaryDirectory(prefix="store-binary-") as out:
            build = subprocess.run([str(ROOT / "packaging" / "build.sh"), out], capture_output=True, text=True,
                                   timeout=BUILD_TIMEOUT_S, cwd=ROOT)
            binary = Path(out) / "omnistore-store"
            if build.returncode != 0 or not binary.is_file():
                raise BuildFailed(f"packaging/build.sh failed ({build.returncode}):\n{build.stdout[-3000:]}\n"
                                  f"{build.stderr[-3000:]}")
            return _keep(binary, cached)


def _keep(binary: Path, cached: Path) -> Path:
    """The new build in the cache (moved in whole, so a run at the same time never finds half a file), the oldest
    builds beyond BUILDS_KEPT removed."""
    staged = cached.with_name(f".{cached.name}.{uuid.uuid4().hex}")
    shutil.copy2(binary, staged)
    os.replace(staged, cached)
    builds = sorted((d for d in cached.parent.parent.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime)
    for old in builds[:-BUILDS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    return cached


def start_in_background() -> subprocess.Popen | None:
    """The build started beside the tests that run first (most of them wait on processes and NATS more than they
    use the CPU), unless the cache has it; its output in `build.log` beside the build. At a lower priority: it is
    only needed by the one test that runs last."""
    cached = cached_binary()
    if cached.is_file():
        return None
    cached.parent.mkdir(parents=True, exist_ok=True)
    with open(cached.parent / "build.log", "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "tests.packaging.store_binary_build"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=lambda: os.nice(5))


if __name__ == "__main__":
    try:
        print(f"built {built()}")
    except BuildFailed as failed:  # the test builds again and shows why
        sys.exit(str(failed))
