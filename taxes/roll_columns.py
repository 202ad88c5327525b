"""The columns of the assessor's roll file (documented for people in docs/tax-roll.md, and
on the admin's upload page from `COLUMNS`).

One row per bill: the parcel, its owners, the bill's levies and exemptions (one column per
taxing district or exemption, named `levy_<DISTRICT>` / `exemption_<CODE>`) and one to four
instalments. Column names are matched without regard to case, spaces or dashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taxes.exceptions import RollRefused
from taxes.models import LineKind
from taxes.models.bills import MAX_INSTALMENTS

MAX_OWNERS = 9


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    hint: str


COLUMNS = (
    Column(
        "parcel_number",
        True,
        gettext_lazy("The assessor's parcel number: letters, digits, dots and dashes."),
    ),
    Column("tax_year", True, gettext_lazy("The tax year of the bill, like 2026.")),
    Column(
        "bill_number",
        True,
        gettext_lazy("The bill's number, unique across all years: letters, digits, dashes."),
    ),
    Column("situs_address", True, gettext_lazy("The property's address.")),
    Column(
        "land_use",
        False,
        gettext_lazy(
            "residential, commercial, industrial, agricultural, vacant, exempt or other "
            "(empty: residential)."
        ),
    ),
    Column(
        "escrow_lender",
        False,
        gettext_lazy("The mortgage lender paying the bill from escrow; empty if none."),
    ),
    Column(
        "owner_1_name",
        True,
        gettext_lazy("The first owner's name; owner_2_name... up to owner_9_name for others."),
    ),
    Column(
        "owner_1_last_name",
        False,
        gettext_lazy("The last name the bill look-up asks for (empty: the name's last word)."),
    ),
    Column(
        "owner_1_mailing_address",
        True,
        gettext_lazy("Where the owner's bill is mailed (several lines in one cell)."),
    ),
    Column(
        "levy_<DISTRICT>",
        True,
        gettext_lazy(
            "One column per taxing district (levy_COUNTY, levy_SCHOOL...): the levy in "
            "dollars, zero or more; empty when the district does not tax the parcel."
        ),
    ),
    Column(
        "exemption_<CODE>",
        False,
        gettext_lazy(
            "One column per exemption (exemption_HOMESTEAD...): the amount taken off, in "
            "dollars, as a positive amount."
        ),
    ),
    Column(
        "instalment_1_due",
        True,
        gettext_lazy("The first instalment's due date, YYYY-MM-DD or MM/DD/YYYY."),
    ),
    Column(
        "instalment_1_amount",
        True,
        gettext_lazy(
            "Its amount in dollars. instalment_2_due/amount... up to 4; the instalments add "
            "up to the levies less the exemptions."
        ),
    ),
)

_FIXED = ("parcel_number", "tax_year", "bill_number", "situs_address", "land_use", "escrow_lender")
_REQUIRED = (
    "parcel_number",
    "tax_year",
    "bill_number",
    "situs_address",
    "owner_1_name",
    "owner_1_mailing_address",
    "instalment_1_due",
    "instalment_1_amount",
)
_OWNER = re.compile(r"^owner_([1-9])_(name|last_name|mailing_address)$")
_INSTALMENT = re.compile(r"^instalment_([1-9])_(due|amount)$")
_LINE = re.compile(r"^(levy|exemption)_([a-z0-9_]{1,60})$")


@dataclass(frozen=True)
class Header:
    """Where each column is in the file's rows."""

    width: int
    parcel_number: int
    tax_year: int
    bill_number: int
    situs_address: int
    land_use: int | None
    escrow_lender: int | None
    # (position, (name, last name or None, mailing address or None)) by position
    owners: tuple[tuple[int, tuple[int, int | None, int | None]], ...]
    # (kind, district or exemption code, column)
    lines: tuple[tuple[str, str, int], ...]
    # (sequence, (due column, amount column)) by sequence
    instalments: tuple[tuple[int, tuple[int, int]], ...]


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def header_read(row: list[str] | None) -> Header:
    """Where the columns are, from the header row; RollRefused if it is not a roll's."""
    if not row or not any(cell.strip() for cell in row):
        raise RollRefused(_("The file is empty: its first row names the columns."))
    names = [_normal(cell) for cell in row]
    at: dict[str, int] = {}
    unknown = []
    owners: dict[int, dict[str, int]] = {}
    instalments: dict[int, dict[str, int]] = {}
    lines = []
    for index, name in enumerate(names):
        if name in at:
            raise RollRefused(_("The column “%(name)s” appears twice.") % {"name": row[index]})
        at[name] = index
        if name in _FIXED:
            continue
        if match := _OWNER.match(name):
            owners.setdefault(int(match[1]), {})[match[2]] = index
        elif (match := _INSTALMENT.match(name)) and int(match[1]) <= MAX_INSTALMENTS:
            instalments.setdefault(int(match[1]), {})[match[2]] = index
        elif match := _LINE.match(name):
            kind = LineKind.LEVY if match[1] == "levy" else LineKind.EXEMPTION
            lines.append((kind, match[2].upper(), index))
        else:
            unknown.append(row[index].strip() or str(index + 1))
    if unknown:
        raise RollRefused(
            _("Unknown columns: %(columns)s. The columns a roll may have are listed below.")
            % {"columns": ", ".join(unknown)}
        )
    missing = [name for name in _REQUIRED if name not in at]
    if not any(kind == LineKind.LEVY for kind, _code, _index in lines):
        missing.append("levy_<DISTRICT>")
    for sequence, pair in instalments.items():
        if set(pair) != {"due", "amount"}:
            missing.append(f"instalment_{sequence}_{'amount' if 'due' in pair else 'due'}")
    if missing:
        raise RollRefused(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    codes = [code for _kind, code, _index in lines]
    if len(codes) != len(set(codes)):
        raise RollRefused(_("A levy and an exemption have the same code."))
    for position, columns in owners.items():
        if "name" not in columns:
            raise RollRefused(
                _("Missing columns: %(columns)s.") % {"columns": f"owner_{position}_name"}
            )
    return Header(
        width=len(row),
        parcel_number=at["parcel_number"],
        tax_year=at["tax_year"],
        bill_number=at["bill_number"],
        situs_address=at["situs_address"],
        land_use=at.get("land_use"),
        escrow_lender=at.get("escrow_lender"),
        owners=tuple(
            (position, (c["name"], c.get("last_name"), c.get("mailing_address")))
            for position, c in sorted(owners.items())
        ),
        lines=tuple(lines),
        instalments=tuple(
            (sequence, (c["due"], c["amount"])) for sequence, c in sorted(instalments.items())
        ),
    )
