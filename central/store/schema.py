"""Central's SQLite projection: the schema, as ordered migrations for `shared.runtime.sqlite.Database`."""

from pathlib import Path

from central.store import (
    deferred,
    imports,
    node_facts,
    order_search,
    parking,
    receipt_days,
    safety_stock,
    shipments,
    supply,
    transfers,
)
from shared.runtime.sqlite import Database
from shared.web import idempotency

NODES = """
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('store', 'warehouse')),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    capabilities TEXT NOT NULL DEFAULT '[]',     -- JSON list: pickup, ship_from_store, ship
    ship_capacity_per_day INTEGER,
    stock_as_of TEXT,                            -- warehouses: as_of of the last ERP/WMS feed
    stock_received_at TEXT,                      -- warehouses: when central received it
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

PRODUCTS = """
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gtin TEXT,
    price INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_rate_bp INTEGER NOT NULL,
    active INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT                            -- NULL until this version is on the CATALOG stream
);
CREATE INDEX products_unpublished ON products (sku) WHERE published_at IS NULL;
"""

# Only stocked pairs are kept; the primary key (sku first) makes a SKU's ATP one range scan.
LEVELS = """
CREATE TABLE levels (
    sku TEXT NOT NULL,
    node_id TEXT NOT NULL,
    on_hand INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    damaged INTEGER NOT NULL,
    as_of TEXT NOT NULL,                         -- central's clock when the figures arrived
    seq INTEGER NOT NULL DEFAULT 0,              -- the store event (of the current epoch) that set them
    PRIMARY KEY (sku, node_id)
) WITHOUT ROWID;
CREATE INDEX levels_by_node ON levels (node_id, seq);
"""

STORE_SYNC = """
CREATE TABLE store_sync (
    store_id TEXT PRIMARY KEY,
    epoch TEXT,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    epoch_opened_at TEXT,                        -- when the broker stored the event that opened the epoch
    snapshot_from_seq INTEGER,                   -- seq of the first chunk of a snapshot being applied
    last_heartbeat_at TEXT,                      -- central's clock
    hb_epoch TEXT,
    hb_last_seq INTEGER,
    hb_backlog INTEGER,
    hb_oldest_unsent_at TEXT,
    clock_skew_ms INTEGER,                       -- store clock minus central clock
    version TEXT,
    printers TEXT NOT NULL DEFAULT '[]',
    gap_since TEXT                               -- since when central has been missing events of this store
);
CREATE TABLE retired_epochs (
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    retired_at TEXT NOT NULL,
    PRIMARY KEY (store_id, epoch)
) WITHOUT ROWID;
CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    store_id TEXT,
    epoch TEXT,
    seq INTEGER,
    type TEXT,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    received_at TEXT NOT NULL
);
"""

ALLOCATIONS = """
CREATE TABLE allocations (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX allocations_by_sku ON allocations (sku, node_id, status);
CREATE TABLE safety_stock (
    node_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (sku, node_id)
) WITHOUT ROWID;
"""

COMMANDS = """
CREATE TABLE command_outbox (
    store_id TEXT NOT NULL,
    cmd_seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (store_id, cmd_seq)
);
CREATE INDEX command_outbox_unpublished ON command_outbox (created_at) WHERE published_at IS NULL;
"""

TOKENS = """
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,                       -- sha256 of the token; the token itself is never stored
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,                        -- JSON list
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;
"""

# Orders (DESIGN §6, §7). An allocation is a fulfilment at one node (its id is the store's fulfilment id) and
# has lines; the first schema's one-SKU allocations table was never written to, so it is replaced.
ORDERS = """
DROP TABLE allocations;
CREATE TABLE orders (
    id TEXT PRIMARY KEY,                         -- ORD-XXXXX-XXXXX (older: UUIDv7): time-ordered, the list pages by id
    channel TEXT NOT NULL,
    customer TEXT NOT NULL,                      -- JSON {name, email, phone}
    delivery TEXT NOT NULL,                      -- JSON: {type: ship, address: {…}, lat, lon, located_by} | {type: pickup, store_id}
    delivery_type TEXT NOT NULL,
    allow_split INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,                          -- why held / backordered / partially allocated
    pickup_code_hash TEXT,
    cancel_requested_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, id);
CREATE INDEX orders_by_channel ON orders (channel, id);
CREATE TABLE order_lines (
    order_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, sku)
) WITHOUT ROWID;
CREATE TABLE allocations (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    node_type TEXT NOT NULL,
    type TEXT NOT NULL,                          -- pickup | ship
    status TEXT NOT NULL,
    accept_by TEXT,                              -- stores: central's clock; NULL for warehouses (accepted at once)
    cancel_sent_at TEXT,                         -- when central sent fulfilment.cancel for it
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX allocations_by_order ON allocations (order_id);
CREATE INDEX allocations_by_node ON allocations (node_id, type, created_at);
CREATE INDEX allocations_waiting ON allocations (accept_by) WHERE status = 'pending';
CREATE TABLE allocation_lines (
    allocation_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    node_id TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (allocation_id, sku)
) WITHOUT ROWID;
CREATE INDEX allocation_lines_by_sku ON allocation_lines (sku, node_id);
CREATE TABLE order_history (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    at TEXT NOT NULL,                            -- central's clock
    kind TEXT NOT NULL,
    status TEXT,                                 -- the order's status after this entry
    source TEXT NOT NULL,                        -- api, store:<id>, central:router, central:timer
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);
CREATE TABLE routing_decisions (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    at TEXT NOT NULL,
    trigger TEXT NOT NULL,
    outcome TEXT NOT NULL,
    explanation TEXT NOT NULL
);
CREATE INDEX routing_decisions_by_order ON routing_decisions (order_id, id);
CREATE TABLE routing_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    policy TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT
);
"""

# Webhook subscriptions and their outbox: a delivery row is written in the transaction that changes
# the order's status, and sent afterwards until the receiver answers 2xx.
WEBHOOKS = """
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT,                                 -- JSON list of order statuses; NULL = every status
    secret TEXT NOT NULL,                        -- the HMAC key; kept because every delivery is signed with it
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE TABLE webhook_deliveries (
    n INTEGER PRIMARY KEY,                       -- the order deliveries go out in, per webhook
    id TEXT NOT NULL UNIQUE,                     -- X-Omnistore-Delivery
    webhook_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    body TEXT NOT NULL,                          -- exactly the bytes that are signed and sent
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (webhook_id, n) WHERE delivered_at IS NULL;
"""

# Returns of online orders recorded at stores, and the flag for a line refunded more often than sold.
RETURNS = """
ALTER TABLE orders ADD COLUMN refund_conflict INTEGER NOT NULL DEFAULT 0;
CREATE TABLE order_returns (
    event_id TEXT NOT NULL,                      -- the store's return.recorded
    line_no INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    return_number TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    refund INTEGER NOT NULL,                     -- minor units
    conflict INTEGER NOT NULL DEFAULT 0,         -- units of this line refunded beyond what was left to return
    at TEXT NOT NULL,                            -- central's clock
    PRIMARY KEY (event_id, line_no)
) WITHOUT ROWID;
CREATE INDEX order_returns_by_order ON order_returns (order_id, sku);
"""

# Receipt tokens (DESIGN §6): central's Ed25519 signing keys — the private keys are stored here, so the
# database file is a secret — and each order's prices, payment and signed token. Orders placed before
# this schema keep NULL prices and no token.
RECEIPTS = """
CREATE TABLE signing_keys (
    n INTEGER PRIMARY KEY,                       -- the newest key is the current one
    kid TEXT NOT NULL UNIQUE,
    private_key BLOB NOT NULL,                   -- 32 raw Ed25519 bytes
    public_key TEXT NOT NULL,                    -- standard base64 of the 32 raw public bytes
    created_at TEXT NOT NULL
);
ALTER TABLE orders ADD COLUMN currency TEXT;
ALTER TABLE orders ADD COLUMN total INTEGER;     -- minor units
ALTER TABLE orders ADD COLUMN paid TEXT;         -- JSON [{tender, amount, reference?}]
ALTER TABLE orders ADD COLUMN receipt_token TEXT;
ALTER TABLE order_lines ADD COLUMN unit_price INTEGER;
"""

STORE_RECEIPTS = """
CREATE TABLE store_receipts (
    receipt_number TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL                           -- JSON {total, lines: [{sku, qty, unit_price}], tenders: [{type, paid}]}
);
CREATE TABLE receipt_returns (
    event_id TEXT PRIMARY KEY,                   -- the store's return.recorded
    receipt_number TEXT NOT NULL,
    store_id TEXT NOT NULL,                      -- where it came back
    return_number TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    body TEXT NOT NULL,                          -- JSON {lines: [{sku, qty, refund}], refunds: [{tender, amount}]}
    told_seller INTEGER NOT NULL DEFAULT 0       -- receipt.returned queued for the selling store
);
CREATE INDEX receipt_returns_by_receipt ON receipt_returns (receipt_number);  -- rows in rowid order within it
"""

STORE_NUMBERS = """
CREATE TABLE store_numbers (                     -- highest receipt / return number seen from each store
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,                          -- receipt | return
    high INTEGER NOT NULL,
    PRIMARY KEY (store_id, kind)
) WITHOUT ROWID;
"""

SHIP_CAPACITY = """
CREATE INDEX allocations_by_day ON allocations (type, created_at);  -- a day's ship-from-store allocations
"""

# Store credit (issue 11): notes issued by stores' returns, holds taken by sales at the counter, and every
# issue and redemption as a ledger entry (a note's balance is its original amount less its redemptions).
CREDIT_NOTES = """
CREATE TABLE credit_notes (
    number TEXT PRIMARY KEY,                     -- <store>-C<n>: minted offline by the issuing store
    store_id TEXT NOT NULL,                      -- the store that issued it
    return_number TEXT NOT NULL,                 -- the return whose refund it is
    currency TEXT NOT NULL,
    original_amount INTEGER NOT NULL,            -- minor units
    balance INTEGER NOT NULL,                    -- below 0 only after a lapsed hold was spent twice (reported)
    issued_at TEXT NOT NULL,                     -- the store's clock
    expires_at TEXT,                             -- NULL: never
    received_at TEXT NOT NULL                    -- central's clock
);
CREATE INDEX credit_notes_outstanding ON credit_notes (currency, balance, expires_at);
CREATE TABLE credit_holds (
    store_id TEXT NOT NULL,                      -- the store selling
    sale_id TEXT NOT NULL,                       -- the sale's id at that store (same id on a retry)
    number TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held', 'redeemed', 'released')),
    held_at TEXT NOT NULL,
    lapses_at TEXT NOT NULL,                     -- an unconfirmed hold stops counting then
    receipt_number TEXT,                         -- set when the sale confirmed it
    PRIMARY KEY (store_id, sale_id, number)
) WITHOUT ROWID;
CREATE INDEX credit_holds_by_note ON credit_holds (number, status, lapses_at);
CREATE TABLE credit_entries (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('issued', 'redeemed')),
    amount INTEGER NOT NULL,                     -- positive: issued adds it, redeemed takes it
    store_id TEXT NOT NULL,
    reference TEXT NOT NULL,                     -- the return or receipt number
    event_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,                   -- the store's clock
    overdrawn INTEGER NOT NULL DEFAULT 0         -- redeemed: by how much it took the balance below zero
);
CREATE INDEX credit_entries_by_note ON credit_entries (number, id);
"""

# Ship-to addresses are structured (DESIGN §12). An order stored with one line of text keeps it as `line1`, under
# the customer's name, with the coordinates it was routed by; so do assigns not yet sent.
STRUCTURED_SHIP_TO = """
UPDATE orders SET delivery = json_object(
    'type', 'ship',
    'address', json_object('name', json_extract(customer, '$.name'), 'line1', json_extract(delivery, '$.address')),
    'lat', json_extract(delivery, '$.lat'), 'lon', json_extract(delivery, '$.lon'), 'located_by', 'caller')
WHERE delivery_type = 'ship' AND json_type(delivery, '$.address') = 'text';
UPDATE command_outbox SET payload = json_set(payload, '$.ship_to', json_object(
    'name', json_extract(payload, '$.customer.name'), 'line1', json_extract(payload, '$.ship_to.address'),
    'lat', json_extract(payload, '$.ship_to.lat'), 'lon', json_extract(payload, '$.ship_to.lon')))
WHERE type = 'fulfilment.assign' AND published_at IS NULL AND json_type(payload, '$.ship_to.address') = 'text';
"""

# Units given up after an order was placed (a short pick not routed again, a line cancelled or reduced, the rest
# of an order that ended without them) and the refund each one makes due.
ORDER_CHANGES = """
ALTER TABLE order_lines ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
CREATE TABLE order_refunds_due (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    amount INTEGER NOT NULL,                     -- minor units, the order's currency
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX order_refunds_due_by_order ON order_refunds_due (order_id, id);
"""

# The audit reads a store's receipts by number.
AUDIT_INDEXES = """
CREATE INDEX store_receipts_by_store ON store_receipts (store_id, receipt_number);
"""

# Reports (issue 13): why and how each returned line came back; receipts, returns and orders read by date.
REPORTS = """
ALTER TABLE order_returns ADD COLUMN reason TEXT;
ALTER TABLE order_returns ADD COLUMN disposition TEXT;
CREATE INDEX order_returns_by_at ON order_returns (at);
CREATE INDEX receipt_returns_by_day ON receipt_returns (occurred_at);
CREATE INDEX store_receipts_by_day ON store_receipts (occurred_at);
CREATE INDEX store_receipts_by_store_day ON store_receipts (store_id, occurred_at);
CREATE INDEX orders_by_created ON orders (created_at);
"""

# When each token was last used (to the minute): `omnistore central tokens list` shows it.
TOKEN_USE = """
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
"""

# Reports over a month read the window's online returns by time (only those history entries are indexed).
REPORT_RETURNS = """
CREATE INDEX order_history_returned ON order_history (at) WHERE kind = 'returned';
"""

MIGRATIONS = [
    NODES + PRODUCTS + LEVELS + STORE_SYNC + ALLOCATIONS + COMMANDS + TOKENS + idempotency.MIGRATION,
    ORDERS,
    WEBHOOKS,
    RETURNS,
    RECEIPTS,
    STORE_RECEIPTS,
    STORE_NUMBERS,
    SHIP_CAPACITY,
    CREDIT_NOTES,
    STRUCTURED_SHIP_TO,
    shipments.MIGRATION,
    ORDER_CHANGES,
    parking.MIGRATION,
    AUDIT_INDEXES,
    shipments.STOCK_MISSING,
    REPORTS + order_search.MIGRATION,
    imports.MIGRATION + safety_stock.MIGRATION,
    supply.MIGRATION,
    deferred.MIGRATION,
    transfers.MIGRATION,
    TOKEN_USE,
    REPORT_RETURNS + receipt_days.MIGRATION,
    node_facts.MIGRATION,
]


def open_database(path: str | Path) -> Database:
    # Reads on their own connections: ATP, orders' look-ups and sign-in checks never queue behind ingest's batches.
    return Database(path, MIGRATIONS, readers=True)
