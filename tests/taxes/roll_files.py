"""Roll files for the import tests: a header and rows built from readable defaults."""

import io

HEADER = (
    "parcel_number,tax_year,bill_number,situs_address,land_use,escrow_lender,"
    "owner_1_name,owner_1_last_name,owner_1_mailing_address,owner_2_name,"
    "owner_2_mailing_address,levy_COUNTY,levy_SCHOOL,exemption_HOMESTEAD,"
    "instalment_1_due,instalment_1_amount,instalment_2_due,instalment_2_amount"
)
DEFAULTS = {
    "parcel_number": "10-000001",
    "tax_year": "2026",
    "bill_number": "2026-000001",
    "situs_address": "1 ELM STREET",
    "land_use": "residential",
    "escrow_lender": "",
    "owner_1_name": "Pat Rivera",
    "owner_1_last_name": "",
    "owner_1_mailing_address": "1 Elm Street\nSpringfield",
    "owner_2_name": "",
    "owner_2_mailing_address": "",
    "levy_COUNTY": "1500.00",
    "levy_SCHOOL": "700.00",
    "exemption_HOMESTEAD": "200.00",
    "instalment_1_due": "2026-03-31",
    "instalment_1_amount": "1000.00",
    "instalment_2_due": "2026-09-30",
    "instalment_2_amount": "1000.00",
}


def _quoted(value: str) -> str:
    if any(character in value for character in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def row(**changes) -> dict:
    return {**DEFAULTS, **changes}


def parcel(n: int, **changes) -> dict:
    """The n-th parcel of a roll: its own parcel and bill numbers and address."""
    own = {
        "parcel_number": f"10-{n:06d}",
        "bill_number": f"2026-{n:06d}",
        "situs_address": f"{n} ELM STREET",
    }
    return row(**{**own, **changes})


def roll(*rows: dict, header: str = HEADER) -> io.BytesIO:
    columns = header.split(",")
    lines = [header] + [",".join(_quoted(r.get(c, "")) for c in columns) for r in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode())
