"""Money as the store writes it in a sentence or on paper: integer minor units, never floats."""

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "HUF"})


def money(amount: int, currency: str = "") -> str:
    """Minor units as the receipt shows them: 1990 → "19.90", -250 → "-2.50" (no decimals for JPY and such)."""
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return f"{amount}"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d}"
