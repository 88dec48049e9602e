"""The network simulator runs end to end with tiny sizes (2 stores, 2 s), so it cannot rot between runs. No figure
is judged: only that the stores' events reached central and every row of the report is there."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a real nats-server and central, as processes


def test_two_simulated_stores_against_a_real_central_report_every_figure(tmp_path):
    out = tmp_path / "network.json"
    done = subprocess.run([sys.executable, "-m", "tests.bench.network", "--stores", "2", "--seconds", "2",
                           "--products", "5", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| ingest lag p99 ms |" in done.stdout and "| 2 stores |" in done.stdout
    [report] = json.loads(out.read_text())["results"]
    assert report["stores"] == 2
    assert report["not_applied_at_end"] == 0  # every event published was applied, so the lags are whole
    assert report["central_rss_mb"] > 0 and report["request_errors"] == 0
