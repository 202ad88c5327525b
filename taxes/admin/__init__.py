"""The taxes app's admin: parcels and owners, bills with their lines and instalments, the
penalty, interest and discount rules, and the roll imports (with the upload page)."""

from taxes.admin import bills, imports, parcels, rules  # noqa: F401
