"""Integer cents to text and back. Amounts never pass through floats."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "MXN": "$"}

# The largest amount anyone types: far above any fee, fine or bill the agency issues, far
# below what the columns hold. A figure past it is a slip of the keyboard ("7500000" for
# "75.00000"), refused rather than billed.
MAX_AMOUNT_CENTS = 10_000_000_00

# Whole dollars, plain ("1250") or grouped by thousands with commas ("1,250"), then
# optionally a point and the cents.
_WHOLE = r"(?:\d+|\d{1,3}(?:,\d{3})+)"
_AMOUNT = re.compile(rf"^(?P<whole>{_WHOLE})?(?:\.(?P<cents>\d*))?$")
# A minus (hyphen or U+2212), before or after the currency symbol, or accountants' brackets.
_NEGATIVE = re.compile(r"^(?:[$€£]?[-\u2212]|\(.*\)$)")


class AmountRefused(ValueError):
    """The text is not an amount this portal takes; `str()` says why, to the person typing."""


def format_cents(cents: int, currency: str) -> str:
    """12345, "USD" -> "$123.45" (grouping and decimal mark follow the active language)."""
    amount = Decimal(cents) / 100
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(currency.upper())
    sign = "-" if cents < 0 else ""
    number = number.lstrip("-")
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


def cents_as_typed(cents: int) -> str:
    """12345 -> "123.45", 125050 -> "1,250.50": an amount as a form shows it back, in the
    form `parse_amount` reads (whatever the page's language)."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}{dollars:,}.{rest:02d}"


def parse_amount(text: str, *, max_cents: int = MAX_AMOUNT_CENTS) -> int:
    """Read an amount typed in dollars and return it in cents.

    "75" is 75 dollars (7500); "75.00", "$75", "75.5", "1,250.50" and "$ 1,250" are read as
    written. Raise `AmountRefused` (a ValueError) with the reason for anything else: text
    that is not an amount ("abc", "1.2.3", "7,5"), a negative amount, more than two decimals
    (no fractions of a cent), or more than `max_cents`.
    """
    cleaned = str(text).strip().replace(" ", "")
    if _NEGATIVE.match(cleaned):
        raise AmountRefused(_("An amount cannot be negative."))
    if cleaned[:1] in _SYMBOLS.values():
        cleaned = cleaned[1:]
    match = _AMOUNT.match(cleaned)
    if not cleaned or not match or not (match["whole"] or match["cents"]):
        if re.fullmatch(r"\d+,\d{1,2}", cleaned):
            raise AmountRefused(_("Write the cents after a point, like 75.50."))
        raise AmountRefused(_("Enter an amount in dollars, like 75.00."))
    cents = match["cents"] or ""
    if len(cents) > 2:
        raise AmountRefused(_("Give at most two decimals: an amount is in dollars and cents."))
    whole = int((match["whole"] or "0").replace(",", ""))
    amount = whole * 100 + int(cents.ljust(2, "0"))
    if amount > max_cents:
        raise AmountRefused(
            _("Enter an amount of %(max)s or less.")
            % {"max": format_cents(max_cents, settings.AGENCY["currency"])}
        )
    return amount
