"""Money as the counter shows it: integer minor units, never floats."""

_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF "}


def show(amount: int, currency: str = "EUR") -> str:
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 100)
    return f"{sign}{_SYMBOLS.get(currency, currency + ' ')}{major:,}.{minor:02d}"


def parse(text: str) -> int:
    """`12`, `12.5`, `12,50`, `€12.50` → minor units; ValueError with a sentence otherwise."""
    cleaned = text.strip().lstrip("€£$").strip().replace(",", ".")
    if not cleaned:
        raise ValueError("Enter an amount.")
    major, _, minor = cleaned.partition(".")
    if not major.isdigit() and major != "" or (minor and (not minor.isdigit() or len(minor) > 2)):
        raise ValueError(f"{text!r} is not an amount; type it like 12.50.")
    return int(major or 0) * 100 + int((minor + "00")[:2])
