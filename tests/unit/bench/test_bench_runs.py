"""The benchmark entry point runs and writes what it promises, so it cannot rot between runs. No figure is judged
here (the machine's speed is nobody's test); only that every row is whole."""

import json
import subprocess
import sys

FIELDS = {"name", "value", "unit", "limit", "limit_name", "ratio", "goal", "met"}


def test_a_quick_run_of_one_measure_prints_its_table_and_writes_whole_rows(tmp_path):
    out = tmp_path / "bench-results.json"
    done = subprocess.run([sys.executable, "-m", "tests.bench", "--quick", "--only", "routing-cost", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "routing cost" in done.stdout
    rows = json.loads(out.read_text())["results"]
    assert rows and all(set(row) == FIELDS for row in rows)
    assert all(isinstance(row["value"], (int, float)) and row["limit"] > 0 and isinstance(row["met"], bool)
               for row in rows)
