"""The access code printed on a tax bill: 12 hex digits (48 random bits) from `secrets`.

With the look-up's rate limit, guessing one is out of reach; it says nothing about the bill,
the parcel or the owner. The roll import makes the same codes in SQL from
`gen_random_uuid()` (a cryptographic source in PostgreSQL 13+).
"""

import secrets


def access_code_new() -> str:
    return secrets.token_hex(6).upper()


# The same, for set-based inserts: the first 12 hex digits of a random UUID (all random;
# the version digit is the 13th).
ACCESS_CODE_SQL = "upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 12))"
