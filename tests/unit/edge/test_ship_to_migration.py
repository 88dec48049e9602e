"""A store database from before structured addresses: its ship fulfilments keep their one line of text as `line1`,
under the customer's name, so their labels print both."""

import json

from edge.store.schema import MIGRATIONS, STRUCTURED_SHIP_TO
from shared.runtime.sqlite import Database


def test_a_one_line_ship_to_becomes_line1_under_the_customers_name(tmp_path):
    before = Database(tmp_path / "edge.db", MIGRATIONS[:MIGRATIONS.index(STRUCTURED_SHIP_TO)])
    with before.write() as conn:
        for aid, ship_to in (("AL-OLD", {"address": "Lange Reihe 50, 20099 Hamburg", "lat": 53.55, "lon": 10.01}),
                             ("AL-NEW", {"name": "Eva", "line1": "Marktstr. 1", "city": "Hamburg",
                                         "postal_code": "20357", "country": "DE"}),
                             ("AL-PICKUP", None)):
            conn.execute("INSERT INTO fulfilments (allocation_id, order_id, type, status, lines, customer, ship_to, "
                         "accept_by, cmd_seq, assigned_at, updated_at) VALUES (?, 'O-1', 'ship', 'accepted', '[]', "
                         "?, ?, 't', 1, 't', 't')",
                         (aid, json.dumps({"name": "Jan Meier"}), json.dumps(ship_to) if ship_to else None))
    before.close()
    after = Database(tmp_path / "edge.db", MIGRATIONS)
    with after.read() as conn:
        kept = {r["allocation_id"]: json.loads(r["ship_to"]) if r["ship_to"] else None
                for r in conn.execute("SELECT allocation_id, ship_to FROM fulfilments")}
    assert kept == {"AL-OLD": {"name": "Jan Meier", "line1": "Lange Reihe 50, 20099 Hamburg", "lat": 53.55,
                               "lon": 10.01},
                    "AL-NEW": {"name": "Eva", "line1": "Marktstr. 1", "city": "Hamburg", "postal_code": "20357",
                               "country": "DE"},
                    "AL-PICKUP": None}
