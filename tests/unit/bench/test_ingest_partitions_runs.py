"""The partitioned-ingest measure runs end to end with a tiny stream, so it cannot rot between runs. No figure is
judged: only that both layouts took every sale (the measure itself checks each is recorded once) and a row printed."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a real nats-server and ingest workers as processes


def test_one_and_two_ingest_processes_record_every_sale_once():
    done = subprocess.run([sys.executable, "-m", "tests.bench.ingest_partitions", "400", "1"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "400 sales of 8 stores" in done.stdout
    [row] = [line for line in done.stdout.splitlines() if line.split()[:1] == ["0"]]
    assert len(row.split()) >= 9
