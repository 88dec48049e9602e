"""Refusals of the store's own rules beyond the shared ones (codes in DESIGN §8)."""

from shared.contract.errors import Conflict, InvalidInput


class TenderMismatch(InvalidInput):
    code, title = "tender_mismatch", "The payment does not match the total"


class WrongPickupCode(InvalidInput):
    code, title = "wrong_pickup_code", "Wrong pickup code"


class ReturnExceedsSold(InvalidInput):
    code, title = "return_exceeds_sold", "More than was sold"


class CurrencyMismatch(InvalidInput):
    code, title = "currency_mismatch", "Another currency"


class RefundMismatch(Conflict):
    code, title = "refund_mismatch", "Not the refund the associate confirmed"


class ShortShipmentUnconfirmed(Conflict):
    code, title = "short_shipment_unconfirmed", "Fewer units than asked: confirm the short shipment"


class ReceiptDifferenceUnconfirmed(Conflict):
    code, title = "receipt_difference_unconfirmed", "Not the units shipped: confirm the difference"
