"""Child processes of a launcher (the demo): started so they die with it, stopped in order, awaited over HTTP."""

import ctypes
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    # Linux: the kernel signals the child when the launcher dies, even by SIGKILL, so nothing is left running.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


class Child:
    """One named child process writing to its own log file."""

    def __init__(self, name: str, argv: list[str], log_file: Path, env: dict[str, str] | None = None,
                 stdin_text: str | None = None):
        self.name = name
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = log_file
        with open(log_file, "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
        if stdin_text is not None:
            self.process.stdin.write(stdin_text.encode())
            self.process.stdin.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_to_end(name: str, argv: list[str], log_file: Path, env: dict[str, str] | None = None,
               stdin_text: str | None = None, timeout: float = 60.0) -> None:
    """A one-shot child; its log tail is in the error when it fails."""
    child = Child(name, argv, log_file, env, stdin_text)
    try:
        code = child.process.wait(timeout)
    except subprocess.TimeoutExpired:
        child.stop()
        raise RuntimeError(f"{name} did not finish within {timeout:.0f} s")
    if code != 0:
        raise RuntimeError(f"{name} failed (exit code {code}):\n{child.log_tail()}")


def wait_http(url: str, child: Child | None = None, timeout: float = 30.0,
              context: ssl.SSLContext | None = None) -> None:
    """Poll until `url` answers 2xx (over HTTPS verified with `context`); fail early, with its log, if the child
    died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited with code {child.process.returncode}:\n{child.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    where = f"\n{child.log_tail()}" if child is not None else ""
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s{where}")
