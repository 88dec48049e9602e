import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.printing import layouts
from edge.printing.commands import (
    Barcode,
    Cut,
    QrCode,
    Text,
    as_text,
    money,
    rate,
    two_columns,
    wrap,
)
from edge.printing.documents import (
    BagTag,
    CollectionReceipt,
    EndOfDaySummary,
    ItemLine,
    PickList,
    TaxIncluded,
    TenderLine,
    collection_receipt,
    return_receipt,
    sale_receipt,
)
from tests.unit.printing.samples import HEADER, LONG_NAME, receipt, sale_body


def texts(commands) -> list[str]:
    return [c.text for c in commands if isinstance(c, Text)]


class TestTextHelpers:
    def test_money_is_minor_units_with_two_decimals_or_none_for_yen(self):
        assert [money(1990), money(-250), money(5), money(1990, "JPY")] == ["19.90", "-2.50", "0.05", "1990"]

    def test_rates_show_as_percentages(self):
        assert [rate(1900), rate(550), rate(725), rate(0)] == ["19%", "5.5%", "7.25%", "0%"]

    def test_a_word_longer_than_a_line_is_broken_not_cut(self):
        assert "".join(wrap("x" * 70, 32)) == "x" * 70

    def test_two_columns_wrap_the_left_side_and_keep_the_amount_right(self):
        out = two_columns(LONG_NAME, "99.80", 32)
        assert all(len(line) <= 32 for line in out)
        assert out[-1].endswith(" 99.80") and " ".join(out).replace(" 99.80", "").split() == LONG_NAME.split()


class TestSaleReceipt:
    def test_every_line_fits_58_and_80_mm_paper(self):
        for columns in (layouts.COLUMNS_58MM, layouts.COLUMNS_80MM):
            out = texts(layouts.sale_receipt(receipt(), columns))
            assert max(len(text) for text in out) <= columns, columns

    def test_long_names_wrap_without_losing_a_word(self):
        out = " ".join(texts(layouts.sale_receipt(receipt(), 32)))
        assert all(word in out for word in LONG_NAME.split())

    def test_shows_totals_tax_per_rate_tenders_change_and_the_override(self):
        text = as_text(layouts.sale_receipt(receipt(), 48), 48)
        assert "TOTAL EUR" in text and "106.80" in text
        assert "7% of 7.00" in text and "0.46" in text  # 700 gross at 7 % holds 46 cents of tax
        assert "19% of 99.80" in text and "15.93" in text
        assert "Card ****4242" in text and "Cash" in text and "Change" in text and "3.20" in text
        assert "price changed from 8.90: chipped rim" in text

    def test_ends_with_the_receipt_number_as_a_barcode_and_a_cut(self):
        commands = layouts.sale_receipt(receipt(), 32)
        assert Barcode("S001-000042") in commands
        assert isinstance(commands[-1], Cut)

    def test_non_ascii_names_survive(self):
        text = as_text(layouts.sale_receipt(receipt(), 32), 32)
        assert "Müller & Söhne" in text and "Königstraße 12" in text and "Grüße aus Köln – café" in text

    def test_a_receipt_of_two_hundred_lines_lists_every_line(self):
        text = as_text(layouts.sale_receipt(receipt(lines=200), 32), 32)
        assert all(f"Socken Größe {n}" in text for n in range(198))

    def test_taxes_are_computed_when_the_body_has_none(self):
        doc = sale_receipt(sale_body(), HEADER)
        assert doc.taxes == (TaxIncluded(700, 700, 46), TaxIncluded(1900, 9980, 1593))
        given = sale_receipt({**sale_body(), "tax_included": [{"rate_bp": 1900, "gross": 1, "tax": 1}]}, HEADER)
        assert given.taxes == (TaxIncluded(1900, 1, 1),)


class TestOtherDocuments:
    def test_return_receipt_shows_what_was_refunded_and_how(self):
        body = {"return_number": "S001-R000007", "original": {"receipt_number": "S001-000042"}, "currency": "EUR",
                "lines": [{"sku": "JUMPER-L", "qty": 1, "reason": "too small", "disposition": "restock",
                           "refund": 4990}],
                "refunds": [{"tender": "card", "amount": 4990}]}
        commands = layouts.return_receipt(return_receipt(body, HEADER, {"JUMPER-L": LONG_NAME}), 32)
        text = as_text(commands, 32)
        assert "S001-R000007" in text and "S001-000042" in text and "-49.90" in text and "too small" in text
        assert "REFUND EUR" in text and Barcode("S001-R000007") in commands

    def test_collection_receipt_carries_the_receipt_token_as_a_qr(self):
        assign = {"order_id": "ORD-1001", "customer": {"name": "Zoë Ångström"},
                  "lines": [{"sku": "MUG-01", "qty": 2}], "receipt_token": "v1.ORD-1001.c2lnbmF0dXJl"}
        commands = layouts.collection_receipt(collection_receipt(assign, HEADER, "2026-03-02T10:00:00.000Z",
                                                                 {"MUG-01": "Tasse"}), 48)
        assert any(isinstance(c, QrCode) and c.data == "v1.ORD-1001.c2lnbmF0dXJl" for c in commands)
        assert "Customer: Zoë Ångström" in texts(commands)

    def test_collection_receipt_without_a_token_shows_the_order_barcode(self):
        doc = CollectionReceipt(HEADER, "ORD-1001", "Ann", (ItemLine("MUG-01", "Tasse", 1),), None)
        assert Barcode("ORD-1001") in layouts.collection_receipt(doc, 32)

    def test_bag_tag_shows_order_customer_pickup_date_and_a_qr(self):
        tag = BagTag("Müller & Söhne", "ORD-1001", "Zoë Ångström", "2026-03-09T18:00:00.000Z", 3, "ORD-1001")
        commands = layouts.bag_tag(tag, 32)
        text = as_text(commands, 32)
        assert "ORD-1001" in text and "Zoë Ångström" in text and "2026-03-09 18:00 UTC" in text
        assert QrCode("ORD-1001", size=5) in commands

    def test_pick_list_has_a_box_per_line_and_the_unit_count(self):
        doc = PickList("ORD-1001", "ship", "Ann", tuple(ItemLine(f"SKU-{n}", LONG_NAME, n) for n in range(1, 31)))
        commands = layouts.pick_list(doc, 32)
        text = as_text(commands, 32)
        assert text.count("[ ] SKU-") == 30 and "465" in text  # 1 + 2 + … + 30 units
        assert max(len(t) for t in texts(commands)) <= 32

    def test_end_of_day_shows_sales_returns_net_and_tenders_by_type(self):
        doc = EndOfDaySummary(HEADER, "2026-03-02", "EUR", sales_count=12, sales_total=45_000, returns_count=2,
                              returns_total=3_000, tenders=(TenderLine("cash", 12_000), TenderLine("card", 30_000)))
        text = as_text(layouts.end_of_day(doc, 48), 48)
        assert "Sales (12)" in text and "450.00" in text and "Returns (2)" in text and "-30.00" in text
        assert "NET EUR" in text and "420.00" in text and "Cash" in text and "Card" in text


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(" \t\n-aZé0.~\u00a0\u200b\u2028"), max_size=40) | st.text(max_size=40),
       columns=st.integers(4, 48), indent=st.sampled_from(["", "  "]))
def test_wrapping_a_line_that_fits_answers_what_textwrap_answers(text, columns, indent):
    expected = textwrap.wrap(text, width=columns, subsequent_indent=indent, break_long_words=True,
                             break_on_hyphens=False) or [""]
    assert wrap(text, columns, indent) == expected
