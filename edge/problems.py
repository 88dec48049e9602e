"""Problem codes of the store's API beyond the shared ones (DESIGN §8)."""

from shared.problems import Problem


class TenderMismatch(Problem):
    status, code, title = 422, "tender_mismatch", "The payment does not match the total"


class WrongPickupCode(Problem):
    status, code, title = 422, "wrong_pickup_code", "Wrong pickup code"


class ReturnExceedsSold(Problem):
    status, code, title = 422, "return_exceeds_sold", "More than was sold"


class CurrencyMismatch(Problem):
    status, code, title = 422, "currency_mismatch", "Another currency"


class InvalidReceiptToken(Problem):
    status, code, title = 422, "invalid_receipt_token", "The receipt token does not check out"
