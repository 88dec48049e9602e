"""The store's SQLite database: schema, and the epoch every new database starts with (DESIGN §3)."""

from pathlib import Path

from edge.printing import spool
from edge.store import epochs, outbox, transfers
from edge.store.epochs import read_epoch
from shared.runtime.sqlite import Database
from shared.web import idempotency

__all__ = ["MIGRATIONS", "open_database", "read_epoch"]

SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gtin TEXT,
    price INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_rate_bp INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX products_gtin ON products (gtin);

CREATE TABLE stock (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0,
    damaged INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stock_ledger (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    on_hand_delta INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    damaged_delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT,
    actor TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX stock_ledger_sku ON stock_ledger (sku, id);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_acked_seq INTEGER NOT NULL DEFAULT 0,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    applied_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE associates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('associate', 'manager')),
    pin_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    associate_id TEXT NOT NULL REFERENCES associates (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    cmd_seq INTEGER,
    type TEXT,
    payload TEXT NOT NULL,
    issued_at TEXT,
    received_at TEXT NOT NULL,
    undeliverable_reason TEXT
) WITHOUT ROWID;

CREATE TABLE catalog_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
"""

# Store operations: sales, returns, fulfilments (allocations from central), tasks for associates.
SCHEMA_V3 = """
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sales (
    receipt_number TEXT PRIMARY KEY,
    body TEXT NOT NULL,                 -- the receipt as answered to the counter
    actor TEXT NOT NULL,
    approved_by TEXT,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sale_lines (
    receipt_number TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    returned_qty INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (receipt_number, line_no)
) WITHOUT ROWID;

CREATE TABLE sale_tenders (
    receipt_number TEXT NOT NULL,
    n INTEGER NOT NULL,
    type TEXT NOT NULL,
    amount INTEGER NOT NULL,            -- what the tender paid, change already taken off cash
    reference TEXT,
    refunded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (receipt_number, n)
) WITHOUT ROWID;

CREATE TABLE returns (
    return_number TEXT PRIMARY KEY,
    receipt_number TEXT,
    body TEXT NOT NULL,
    actor TEXT NOT NULL,
    approved_by TEXT,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE fulfilments (
    allocation_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    lines TEXT NOT NULL,                -- JSON [{sku, qty}] as assigned
    held TEXT NOT NULL DEFAULT '{}',    -- JSON {sku: units} this fulfilment holds in stock.reserved
    picked TEXT,                        -- JSON [{sku, qty}]
    shortages TEXT,
    customer TEXT NOT NULL,
    ship_to TEXT,
    pickup_code_hash TEXT,
    receipt_token TEXT,
    accept_by TEXT NOT NULL,
    pickup_by TEXT,
    parcels TEXT,
    carrier TEXT,
    tracking_number TEXT,
    reason TEXT,
    at_risk INTEGER NOT NULL DEFAULT 0,
    cmd_seq INTEGER NOT NULL,
    assigned_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX fulfilments_status ON fulfilments (status, type);

CREATE TABLE early_cancels (
    allocation_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- count, put_back, accept
    sku TEXT,
    allocation_id TEXT,
    reference TEXT,
    note TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX tasks_open ON tasks (status, kind);

ALTER TABLE commands ADD COLUMN applied_at TEXT;
ALTER TABLE commands ADD COLUMN outcome TEXT;
"""

# Central's last answer per SKU to a network ATP lookup, for when it cannot be asked.
SCHEMA_V5 = """
CREATE TABLE network_atp (
    sku TEXT PRIMARY KEY,
    body TEXT NOT NULL,                 -- central's answer as received: {sku, network, nodes}
    as_of TEXT NOT NULL                 -- when central gave it
) WITHOUT ROWID;
"""

# Wrong pickup codes in a row per fulfilment, and the lockout they caused (guessing a code is not an option).
SCHEMA_V6 = """
ALTER TABLE fulfilments ADD COLUMN wrong_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN code_locked_until TEXT;
"""

# Ship-to addresses are structured (DESIGN §12): a fulfilment stored with one line of text keeps it as `line1`,
# under the customer's name, so its label prints both.
STRUCTURED_SHIP_TO = """
UPDATE fulfilments SET ship_to = json_object('name', json_extract(customer, '$.name'),
                                             'line1', json_extract(ship_to, '$.address'),
                                             'lat', json_extract(ship_to, '$.lat'),
                                             'lon', json_extract(ship_to, '$.lon'))
WHERE ship_to IS NOT NULL AND json_type(ship_to, '$.address') = 'text';
"""

# A command of a type or schema only a newer release reads: kept (acked, so it is not lost), skipped by the
# commands after it, and carried out once an upgraded agent starts and reads it.
COMMANDS_AWAITING_UPGRADE = """
ALTER TABLE commands ADD COLUMN schema INTEGER NOT NULL DEFAULT 1;
ALTER TABLE commands ADD COLUMN awaiting_upgrade TEXT;
"""

MIGRATIONS = [SCHEMA_V1, idempotency.MIGRATION, SCHEMA_V3, spool.MIGRATION, SCHEMA_V5, SCHEMA_V6, epochs.MIGRATION,
              STRUCTURED_SHIP_TO, outbox.RESENT_MIGRATION, COMMANDS_AWAITING_UPGRADE, transfers.MIGRATION]


def open_database(path: str | Path) -> Database:
    """The store's database, migrated, with its epoch: a new file gets a new epoch and an opening snapshot."""
    db = Database(path, MIGRATIONS)
    with db.write() as conn:
        if read_epoch(conn) is None:
            epochs.open_first_epoch(conn)
    return db
