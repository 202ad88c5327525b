"""Integer cents to text and back. Amounts never pass through floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats

_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "MXN": "$"}


def format_cents(cents: int, currency: str) -> str:
    """12345, "USD" -> "$123.45" (grouping and decimal mark follow the active language)."""
    amount = Decimal(cents) / 100
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(currency.upper())
    sign = "-" if cents < 0 else ""
    number = number.lstrip("-")
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


def parse_amount(text: str) -> int:
    """ "12.50", "1,234.5", "$40" -> cents. Raise ValueError for anything else or < 0."""
    cleaned = text.strip().lstrip("$€£").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Not an amount.") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Not an amount in cents.")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
