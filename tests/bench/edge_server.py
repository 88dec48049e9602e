"""The store's API for the bench, without NATS: `python -m tests.bench.edge_server DB PORT`."""

import sys
from pathlib import Path

import uvicorn

from edge.api.app import create_app
from edge.settings import EdgeSettings

if __name__ == "__main__":
    db, port = Path(sys.argv[1]), int(sys.argv[2])
    settings = EdgeSettings(store_id="S001", store_name="Bench store", db_path=db, print_dir=db.parent / "prints")
    uvicorn.run(create_app(settings, with_nats=False), host="127.0.0.1", port=port, log_level="warning")
