"""The pickup-code lockout holds under parallel requests: however many wrong codes arrive at once, no more than
the allowed number are evaluated, and the lock, once set, is never cleared by a late wrong code."""

import sys
from concurrent.futures import ThreadPoolExecutor

from edge.store.pickup_codes import MAX_WRONG_CODES
from tests.unit.edge.test_fulfilments_api import CODE, assign, receive, step

PARALLEL = 20


def _ready_pickup(client) -> None:
    receive(client, "MUG-01", 5)
    assign(client)
    step(client, "AL-1", "pick")
    assert step(client, "AL-1", "ready").json()["status"] == "ready"


class TestParallelWrongCodes:
    def test_twenty_wrong_codes_at_once_evaluate_five_and_leave_the_code_locked(self, signed_in):
        _ready_pickup(signed_in)
        switching = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # threads take turns as often as they can: the requests really overlap
        try:
            with ThreadPoolExecutor(PARALLEL) as pool:
                answers = list(pool.map(lambda n: step(signed_in, "AL-1", "collect", {"pickup_code": f"WRONG{n}"}),
                                        range(PARALLEL)))
        finally:
            sys.setswitchinterval(switching)
        codes = sorted(a.json()["code"] for a in answers)
        assert codes.count("wrong_pickup_code") == MAX_WRONG_CODES - 1
        assert codes.count("too_many_attempts") == PARALLEL - MAX_WRONG_CODES + 1
        # Still locked: even the right code is refused until the lockout ends.
        assert step(signed_in, "AL-1", "collect", {"pickup_code": CODE}).status_code == 429
        assert signed_in.get("/v1/fulfilments/AL-1").json()["status"] == "ready"


class TestLateWrongCode:
    def test_a_wrong_code_counted_while_locked_keeps_the_lock(self):
        from datetime import datetime, timezone

        from edge.domain.access import Attempts

        now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        attempts = Attempts()
        for _ in range(MAX_WRONG_CODES):
            attempts = attempts.after_wrong_pin(now)
        assert attempts.locked(now)
        late = attempts.after_wrong_pin(now)
        assert late.locked(now) and late.locked_until == attempts.locked_until

