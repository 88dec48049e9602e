"""`omnistore tui` as a person starts it: in a real terminal (tmux), against a real store agent."""

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.processes import ASSOCIATE, EdgeProcess
from tests.waiting import poll

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def test_the_entry_point_draws_the_sign_in_and_reaches_home(tmp_path, nats_up):
    edge = EdgeProcess(tmp_path, "S007", nats_up, name="Eppendorf").start()
    session = f"omnistore-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -m shared.launcher.cli tui --edge {edge.url}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        first = poll(lambda: (text := screen(session)) and "Associate id" in text and "Eppendorf" in text and text,
                     what="the sign-in screen in the terminal")
        assert "^q Quit" in first
        subprocess.run(["tmux", "send-keys", "-t", session, ASSOCIATE["id"], "Enter"], check=True)
        time.sleep(1)  # a person looks up before typing the PIN; the PIN field has focus by then
        subprocess.run(["tmux", "send-keys", "-t", session, ASSOCIATE["pin"], "Enter"], check=True)
        home = poll(lambda: (text := screen(session)) and "ONLINE" in text and text, what="home, online")
        assert "F2 sell" in home or "Sell" in home
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        poll(lambda: subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0,
             what="the UI quits on Ctrl+Q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        edge.stop()
