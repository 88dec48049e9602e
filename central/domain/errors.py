"""Refusals of head office's own rules beyond the shared ones (codes in DESIGN §8)."""

from shared.contract.errors import Conflict, InvalidInput


class TokenNameTaken(Conflict):
    code, title = "token_exists", "A token with this name exists"


class NodeTypeConflict(Conflict):
    code, title = "node_type_conflict", "The node is of another type"


class StaleFeed(Conflict):
    code, title = "stale_feed", "A newer stock feed is already applied"


class MixedCurrencies(InvalidInput):
    code, title = "mixed_currencies", "The order's products are priced in different currencies"


class PaymentMismatch(InvalidInput):
    code, title = "payment_mismatch", "The payment does not match the order's total"


class UnknownStore(InvalidInput):
    code, title = "unknown_store", "No such pickup store"


class AddressNotLocated(InvalidInput):
    code, title = "address_not_located", "The ship-to address cannot be placed for routing"


class FeedFromTheFuture(InvalidInput):
    code, title = "feed_from_the_future", "The feed is dated in the future"


class WebhookRefused(InvalidInput):
    code, title = "webhook_refused", "Deliveries cannot go there"
