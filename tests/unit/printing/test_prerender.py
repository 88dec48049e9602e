"""A sale's receipt is rendered before the sale's transaction gives it its number, with a stand-in put where the
number goes: the job the transaction queues must be byte for byte the receipt rendered with its number."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.printing.jobs import STAND_IN, prerender, render
from edge.printing.printers import PrinterConfig
from edge.printing.service import preview_printers
from tests.unit.printing.samples import receipt

PRINTER = preview_printers("/nonexistent")[0]
NARROW = PrinterConfig(name="narrow", target="preview:/nonexistent", kind="receipt", width=58,
                       codepage="CP437")

store_ids = st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,31}", fullmatch=True)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(store=store_ids, n=st.integers(1, 10**8), name=names, printer=st.sampled_from([PRINTER, NARROW]),
       local=st.sampled_from(["UTC", "Europe/Berlin"]))
def test_the_number_put_in_gives_the_receipt_rendered_with_it(store, n, name, printer, local):
    doc = receipt(lines=3)
    doc = dataclasses.replace(doc, receipt_number=f"{store}-{n:06d}",
                              lines=(dataclasses.replace(doc.lines[0], name=name), *doc.lines[1:]))
    prepared = prerender(dataclasses.replace(doc, receipt_number="unknown yet"), printer, len(doc.receipt_number),
                         local)
    if prepared is None:  # only when the stand-in could be mistaken for the name
        assert STAND_IN * len(doc.receipt_number) in name
        return
    assert prepared.numbered(doc) == render(doc, printer, local)


def test_a_receipt_that_changed_since_it_was_rendered_is_rendered_again():
    doc = receipt()
    prepared = prerender(doc, PRINTER, len(doc.receipt_number))
    repriced = dataclasses.replace(doc, total=doc.total + 1)
    assert prepared.numbered(repriced) is None
    assert prepared.numbered(dataclasses.replace(doc, receipt_number=doc.receipt_number + "0")) is None
    assert prepared.numbered(doc) == render(doc, PRINTER)


def test_a_name_that_holds_the_stand_in_is_never_mistaken_for_the_number():
    doc = receipt()
    tricky = dataclasses.replace(doc, lines=(dataclasses.replace(doc.lines[0], name=STAND_IN * 20), *doc.lines[1:]))
    assert prerender(tricky, PRINTER, len(doc.receipt_number)) is None
