"""Associates signing in on a real database: same answer for unknown ids and wrong PINs, lockout, lapsing."""

import threading
from datetime import timedelta

import pytest

from edge.services.access import AssociateIn, Sessions, list_associates, save_associates
from shared.contract.errors import TooManyAttempts, Unauthorized
from shared.contract.models import Role
from tests.unit.edge.conftest import T0


@pytest.fixture
def sessions(db):
    save_associates(db, [AssociateIn(id="A1", name="Ana", pin="2468"),
                         AssociateIn(id="M1", name="Max", pin="97531", role="manager")], T0)
    return Sessions(db, timedelta(minutes=30))


class TestLogin:
    def test_the_right_pin_gives_a_token_and_the_associate(self, sessions):
        answer = sessions.login("M1", "97531", T0)
        assert answer["associate"] == {"id": "M1", "name": "Max", "role": "manager"}
        assert answer["expires_after_idle_s"] == 1800
        assert sessions.authenticate(answer["token"], T0).role is Role.MANAGER

    def test_only_the_hash_of_the_token_and_pin_is_stored(self, sessions, db):
        token = sessions.login("A1", "2468", T0)["token"]
        with db.read() as conn:
            dump = "\n".join(str(tuple(r)) for table in ("sessions", "associates")
                             for r in conn.execute(f"SELECT * FROM {table}"))
        assert token not in dump and "2468" not in dump

    def test_an_unknown_id_and_a_wrong_pin_get_the_same_answer(self, sessions):
        with pytest.raises(Unauthorized) as unknown:
            sessions.login("ZZ", "2468", T0)
        with pytest.raises(Unauthorized) as wrong:
            sessions.login("A1", "1111", T0)
        assert unknown.value.detail == wrong.value.detail

    def test_five_wrong_pins_lock_even_the_right_pin_out_for_five_minutes(self, sessions):
        for _ in range(4):
            with pytest.raises(Unauthorized):
                sessions.login("A1", "0000", T0)
        with pytest.raises(TooManyAttempts):
            sessions.login("A1", "0000", T0)
        with pytest.raises(TooManyAttempts, match="5 minutes"):
            sessions.login("A1", "2468", T0 + timedelta(seconds=10))
        assert sessions.login("A1", "2468", T0 + timedelta(minutes=5))["token"]

    def test_re_adding_an_associate_changes_the_pin_and_lifts_the_lock(self, sessions, db):
        for _ in range(5):
            with pytest.raises((Unauthorized, TooManyAttempts)):
                sessions.login("A1", "0000", T0)
        save_associates(db, [AssociateIn(id="A1", name="Ana B", pin="8642")], T0)
        assert sessions.login("A1", "8642", T0)["associate"]["name"] == "Ana B"
        assert [a.id for a in list_associates(db)] == ["A1", "M1"]


class TestTokens:
    def test_a_token_used_now_and_then_stays_valid(self, sessions):
        token = sessions.login("A1", "2468", T0)["token"]
        for minutes in (20, 40, 60):
            assert sessions.authenticate(token, T0 + timedelta(minutes=minutes)).id == "A1"

    def test_a_token_lapses_after_the_idle_time_and_stays_lapsed(self, sessions):
        token = sessions.login("A1", "2468", T0)["token"]
        with pytest.raises(Unauthorized, match="lapsed after 30 minutes"):
            sessions.authenticate(token, T0 + timedelta(minutes=31))
        with pytest.raises(Unauthorized, match="not known"):
            sessions.authenticate(token, T0 + timedelta(minutes=31))

    @pytest.mark.parametrize("token", [None, "", "made-up"])
    def test_a_missing_or_made_up_token_is_refused(self, sessions, token):
        with pytest.raises(Unauthorized):
            sessions.authenticate(token, T0)


def test_checking_a_sign_in_does_not_wait_for_another_counters_commit(sessions, db):
    """Every request checks its sign-in: behind the writer's lock, each one queued behind every other counter's
    sale while it was written to disk."""
    token = sessions.login("A1", "2468", T0)["token"]
    committing, checked = threading.Event(), threading.Event()

    def a_sale_committing() -> None:
        with db.write() as conn:
            conn.execute("UPDATE sessions SET last_used_at = last_used_at")  # written, not yet committed
            committing.set()
            checked.wait(timeout=5)  # until the check is done, or at last the check gets the lock

    sale = threading.Thread(target=a_sale_committing)
    sale.start()
    committing.wait()
    associate = sessions.authenticate(token, T0 + timedelta(seconds=1))
    done_during_the_commit = sale.is_alive() and not checked.is_set()
    checked.set()
    sale.join()
    assert associate.id == "A1"
    assert done_during_the_commit
