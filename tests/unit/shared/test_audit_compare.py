"""The audit's comparison: two sides that hold the same thing agree; each kind of harm is named as an error."""

import copy

from hypothesis import given
from hypothesis import strategies as st

from shared.contract.audit import (
    AllocatedLine,
    EventRecord,
    FulfilmentRecord,
    LevelRecord,
)
from shared.launcher.audit.compare import Holdings, Severity, compare, errors

EPOCH, OLD_EPOCH = "0190-epoch-b", "0190-epoch-a"


@st.composite
def agreeing_sides(draw) -> tuple[Holdings, Holdings]:
    """A store and a central that agree: n events all applied, receipts, levels, fulfilments alike."""
    n = draw(st.integers(1, 40))
    types = draw(st.lists(st.sampled_from(["sale.recorded", "stock.received", "fulfilment.accepted"]),
                          min_size=n, max_size=n))
    events = [EventRecord(epoch=EPOCH, seq=i + 1, id=f"ev-{i + 1}", type=t) for i, t in enumerate(types)]
    receipts = {f"R-{e.seq:05d}": e.id for e in events if e.type == "sale.recorded"}
    skus = draw(st.lists(st.sampled_from(["TEE", "CAP", "MUG", "SOCK"]), unique=True, max_size=4))
    levels = {s: LevelRecord(sku=s, on_hand=draw(st.integers(-5, 50)), reserved=0, damaged=draw(st.integers(0, 3)))
              for s in skus}
    fulfilments_store, fulfilments_central = {}, {}
    for i, sku in enumerate(skus[:2]):
        qty = draw(st.integers(1, 3))
        levels[sku] = levels[sku].model_copy(update={"reserved": qty})
        fulfilments_store[f"A{i}"] = FulfilmentRecord(allocation_id=f"A{i}", order_id=f"O{i}", status="accepted",
                                                      lines=[AllocatedLine(sku=sku, qty=qty)], holding={sku: qty})
        fulfilments_central[f"A{i}"] = FulfilmentRecord(
            allocation_id=f"A{i}", order_id=f"O{i}", status="accepted",
            lines=[AllocatedLine(sku=sku, qty=qty, ordered=qty, live_allocated=qty)])
    store = Holdings(EPOCH, n, [e.model_copy(update={"published": True}) for e in events], dict(receipts),
                     dict(levels), fulfilments_store)
    central = Holdings(EPOCH, n, list(events), dict(receipts), copy.deepcopy(levels), fulfilments_central)
    return store, central


def kinds(store: Holdings, central: Holdings) -> set[str]:
    return {d.kind for d in errors(compare("S001", store, central))}


@given(agreeing_sides())
def test_sides_that_hold_the_same_agree(sides):
    assert compare("S001", *sides) == []


@given(agreeing_sides(), st.data())
def test_an_event_central_lacks_is_an_error(sides, data):
    store, central = sides
    lost = data.draw(st.integers(0, len(central.events) - 1))
    central.last_seq = central.events[lost].seq - 1  # the watermark stops below it
    del central.events[lost:]
    assert "not_applied" in kinds(store, central)


@given(agreeing_sides(), st.data())
def test_an_event_applied_twice_is_an_error(sides, data):
    store, central = sides
    central.events.append(data.draw(st.sampled_from(central.events)))
    assert "applied_twice" in kinds(store, central)


@given(agreeing_sides(), st.data())
def test_another_event_at_a_seq_is_a_conflict(sides, data):
    store, central = sides
    i = data.draw(st.integers(0, len(central.events) - 1))
    central.events[i] = central.events[i].model_copy(update={"id": "forged"})
    assert "conflict" in kinds(store, central)


@given(agreeing_sides())
def test_events_the_store_never_numbered_are_an_error(sides):
    store, central = sides
    central.events.append(EventRecord(epoch=EPOCH, seq=store.last_seq + 1, id="intruder", type="sale.recorded"))
    central.last_seq += 1
    assert "unknown_events" in kinds(store, central)


@given(agreeing_sides(), st.integers(-3, 3).filter(bool))
def test_levels_that_differ_are_an_error_naming_the_sku(sides, delta):
    store, central = sides
    central.levels["NEW"] = LevelRecord(sku="NEW", on_hand=delta, reserved=0, damaged=0)
    found = errors(compare("S001", store, central))
    assert [d.kind for d in found] == ["levels"] and "NEW" in found[0].message


def test_a_receipt_given_twice_or_missing_is_an_error():
    store = Holdings(EPOCH, 2, [EventRecord(epoch=EPOCH, seq=1, id="e1", type="sale.recorded", published=True),
                                EventRecord(epoch=EPOCH, seq=2, id="e2", type="sale.recorded", published=True)],
                     {"R1": "e1", "R2": "e2"})
    central = Holdings(EPOCH, 2, [EventRecord(epoch=EPOCH, seq=1, id="e1", type="sale.recorded"),
                                  EventRecord(epoch=EPOCH, seq=2, id="e2", type="sale.recorded")],
                       {"R1": "e2"})
    assert kinds(store, central) == {"receipt_event", "receipt_missing"}


def test_units_allocated_beyond_the_order_and_a_reserve_nobody_holds_are_errors():
    store = Holdings(EPOCH, 0, levels={"TEE": LevelRecord(sku="TEE", on_hand=5, reserved=2, damaged=0)})
    central = Holdings(EPOCH, 0, levels={"TEE": LevelRecord(sku="TEE", on_hand=5, reserved=2, damaged=0)},
                       fulfilments={"A1": FulfilmentRecord(allocation_id="A1", order_id="O1", status="cancelled",
                                                           lines=[AllocatedLine(sku="TEE", qty=2, ordered=2,
                                                                                live_allocated=4)])})
    assert kinds(store, central) == {"allocated_twice", "reserved"}


def test_units_a_transfer_to_another_node_holds_count_in_the_stores_reserve():
    levels = {"TEE": LevelRecord(sku="TEE", on_hand=5, reserved=3, damaged=0)}
    store = Holdings(EPOCH, 0, levels=levels, transfers={"TR-1": {"TEE": 3}})
    assert kinds(store, Holdings(EPOCH, 0, levels=levels)) == set()
    assert kinds(Holdings(EPOCH, 0, levels=levels), Holdings(EPOCH, 0, levels=levels)) == {"reserved"}


def test_a_state_the_two_sides_disagree_on_is_an_error_but_words_for_the_same_state_are_not():
    def sides(at_store: str, at_central: str) -> set[str]:
        line = AllocatedLine(sku="TEE", qty=1)
        return kinds(Holdings(EPOCH, 0, fulfilments={"A1": FulfilmentRecord(allocation_id="A1", order_id="O1",
                                                                            status=at_store, lines=[line])}),
                     Holdings(EPOCH, 0, fulfilments={"A1": FulfilmentRecord(allocation_id="A1", order_id="O1",
                                                                            status=at_central, lines=[line])}))

    assert sides("assigned", "pending") == set()
    assert sides("rejected", "timed_out") == set()
    assert sides("collected", "ready") == {"fulfilment_state"}


def test_what_a_restored_database_leaves_behind_is_a_notice_not_an_error():
    """The store's old epoch ends at seq 1 (its backup); central applied seq 2 of it, a sale, before the restore."""
    old = [EventRecord(epoch=OLD_EPOCH, seq=1, id="o1", type="stock.snapshot"),
           EventRecord(epoch=OLD_EPOCH, seq=2, id="o2", type="sale.recorded")]
    new = EventRecord(epoch=EPOCH, seq=1, id="n1", type="stock.snapshot")
    store = Holdings(EPOCH, 1, [old[0].model_copy(update={"published": True}),
                                new.model_copy(update={"published": True})])
    central = Holdings(EPOCH, 1, [*old, new], {"R2": "o2"})
    found = compare("S001", store, central)
    assert {d.kind for d in found} == {"superseded", "receipt_superseded"}
    assert {d.severity for d in found} == {Severity.NOTICE}
